/** Vaults: the list and creation; a vault's secrets by path prefix, its access policies, its danger zone. */
import { useState } from "preact/hooks";
import { api, query, secretPath } from "../api";
import { Link, navigate } from "../router";
import { CopyButton, ErrorBox, Form, PageTitle, TextField, useAction, useLoad, when } from "../ui";
import { PoliciesTab } from "./policies";

export interface Vault { id: string; name: string; description?: string; created_at: string; system: boolean }
interface SecretMeta { id: string; path: string; type: string; version: number; created_at: string; updated_at?: string }

export function VaultListPage() {
  const vaults = useLoad(() => api<{ vaults: Vault[] }>("GET", "/v1/vaults"), []);
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const create = useAction(async () => {
    const vault = await api<Vault>("POST", "/v1/vaults", { name, ...(description && { description }) });
    navigate(`/vaults/${vault.id}`);
  });
  return (
    <main id="main">
      <PageTitle>Vaults</PageTitle>
      <ErrorBox error={vaults.error} />
      <ul class="cards">
        {vaults.data?.vaults.filter((v) => !v.system).map((vault) => (
          <li key={vault.id} class="card">
            <h2><Link href={`/vaults/${vault.id}`}>{vault.name}</Link></h2>
            {vault.description && <p>{vault.description}</p>}
            <p class="meta"><code>{vault.id}</code> <CopyButton text={vault.id} label="Copy ID" /></p>
            <p class="meta">Created {when(vault.created_at)}</p>
          </li>
        ))}
      </ul>
      <Form label="Create vault" onSubmit={() => create.run()}>
        <h2>Create a vault</h2>
        <TextField label="Vault name" value={name} onInput={setName} required />
        <TextField label="Description" value={description} onInput={setDescription} />
        <ErrorBox error={create.error} />
        <button type="submit" disabled={create.busy}>Create vault</button>
      </Form>
    </main>
  );
}

export function VaultPage(props: { vaultId: string; tab: string }) {
  const vault = useLoad(() => api<Vault>("GET", `/v1/vaults/${props.vaultId}`), [props.vaultId]);
  const tabs = [["secrets", "Secrets"], ["policies", "Access policies"], ["settings", "Settings"]] as const;
  return (
    <main id="main">
      <PageTitle>{vault.data?.name ?? "Vault"}</PageTitle>
      <ErrorBox error={vault.error} />
      <nav aria-label="Vault sections" class="tabs">
        {tabs.map(([key, label]) => (
          <Link key={key} href={`/vaults/${props.vaultId}?tab=${key}`} current={props.tab === key}>{label}</Link>
        ))}
      </nav>
      {props.tab === "secrets" && <SecretsTab vaultId={props.vaultId} />}
      {props.tab === "policies" && <PoliciesTab vaultId={props.vaultId} />}
      {props.tab === "settings" && <VaultSettings vaultId={props.vaultId} />}
    </main>
  );
}

function SecretsTab(props: { vaultId: string }) {
  const [prefix, setPrefix] = useState("");
  const [applied, setApplied] = useState("");
  const secrets = useLoad(() => api<{ secrets: SecretMeta[] }>("GET",
    `/v1/vaults/${props.vaultId}/secrets${query({ prefix: applied })}`), [props.vaultId, applied]);
  const [path, setPath] = useState("");
  const [type, setType] = useState("api_key");
  const [value, setValue] = useState("");
  const store = useAction(async () => {
    await api("PUT", `/v1/vaults/${props.vaultId}/secrets/${secretPath(path)}`, { type, value });
    navigate(`/vaults/${props.vaultId}/secrets/${secretPath(path)}`);
  });
  return (
    <section aria-label="Secrets">
      <Form label="Filter secrets" class="inline" onSubmit={() => setApplied(prefix)}>
        <TextField label="Path prefix" value={prefix} onInput={setPrefix} placeholder="e.g. api-keys/" />
        <button type="submit" class="secondary">Filter</button>
      </Form>
      <ErrorBox error={secrets.error} />
      <table>
        <caption>Secrets{applied && ` under ${applied}`}</caption>
        <thead><tr><th scope="col">Path</th><th scope="col">Type</th><th scope="col">Version</th><th scope="col">Updated</th></tr></thead>
        <tbody>
          {secrets.data?.secrets.map((secret) => (
            <tr key={secret.id}>
              <td><Link href={`/vaults/${props.vaultId}/secrets/${secretPath(secret.path)}`}>{secret.path}</Link></td>
              <td>{secret.type}</td><td>{secret.version}</td><td>{when(secret.updated_at ?? secret.created_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {secrets.data?.secrets.length === 0 && <p>No secrets here yet.</p>}
      <Form label="Store a secret" onSubmit={() => store.run()}>
        <h2>Store a secret</h2>
        <TextField label="Secret path" value={path} onInput={setPath} placeholder="api-keys/stripe" required />
        <Field_Type type={type} setType={setType} />
        <TextField label="Secret value" type="password" value={value} onInput={setValue} autocomplete="off" required />
        <ErrorBox error={store.error} />
        <button type="submit" disabled={store.busy}>Store secret</button>
      </Form>
    </section>
  );
}

const SECRET_TYPES = ["api_key", "password", "private_key", "certificate", "file", "note", "ssh_key", "env_bundle"];

function Field_Type(props: { type: string; setType: (type: string) => void }) {
  return (
    <div class="field">
      <label for="secret-type">Type</label>
      <select id="secret-type" value={props.type} onChange={(event) => props.setType(event.currentTarget.value)}>
        {SECRET_TYPES.map((type) => <option key={type} value={type}>{type}</option>)}
      </select>
    </div>
  );
}

function VaultSettings(props: { vaultId: string }) {
  const remove = useAction(async () => {
    await api("DELETE", `/v1/vaults/${props.vaultId}`);
    navigate("/vaults");
  });
  return (
    <section class="card danger" aria-label="Danger zone">
      <h2>Danger zone</h2>
      <p>Deleting the vault deletes its secrets and policies.</p>
      <ErrorBox error={remove.error} />
      <button type="button" class="danger" onClick={() => confirm("Delete this vault?") && remove.run()}>Delete vault</button>
    </section>
  );
}
