/** Personal API keys (`1ck_`): create (shown once) with optional expiry, list by prefix, revoke. */
import { useState } from "preact/hooks";
import { api, isoFromLocal } from "../api";
import { CopyButton, ErrorBox, Form, PageTitle, TextField, useAction, useLoad, when } from "../ui";

interface ApiKey { id: string; name: string; key_prefix: string; scopes: string[]; is_active: boolean; created_at: string; expires_at?: string }

export function ApiKeysPage() {
  const keys = useLoad(() => api<{ keys: ApiKey[] }>("GET", "/v1/auth/api-keys"), []);
  const [name, setName] = useState("");
  const [expires, setExpires] = useState("");
  const [created, setCreated] = useState<string>();
  const create = useAction(async () => {
    const answer = await api<{ api_key: string }>("POST", "/v1/auth/api-keys", { name, ...(expires && { expires_at: isoFromLocal(expires) }) });
    setCreated(answer.api_key);
    setName("");
    keys.reload();
  });
  const revoke = useAction(async (id: string) => {
    await api("DELETE", `/v1/auth/api-keys/${id}`);
    keys.reload();
  });
  return (
    <main id="main">
      <PageTitle>API Keys</PageTitle>
      {created && <section class="card key" aria-label="New API key"><h2>New key: shown once</h2>
        <p><code data-testid="user-key">{created}</code> <CopyButton text={created} label="Copy key" /></p></section>}
      <ErrorBox error={keys.error ?? revoke.error} />
      <table>
        <caption>Your keys</caption>
        <thead><tr><th scope="col">Name</th><th scope="col">Prefix</th><th scope="col">Status</th><th scope="col">Created</th><th scope="col">Expires</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
        <tbody>{keys.data?.keys.map((key) => (
          <tr key={key.id}><td>{key.name}</td><td><code>{key.key_prefix}</code></td><td>{key.is_active ? "active" : "revoked or expired"}</td>
            <td>{when(key.created_at)}</td><td>{when(key.expires_at)}</td>
            <td>{key.is_active && <button type="button" class="danger" onClick={() => revoke.run(key.id)}>Revoke</button>}</td></tr>
        ))}</tbody>
      </table>
      <Form label="Create API key" onSubmit={() => create.run()}>
        <h2>Create a key</h2>
        <TextField label="Key name" value={name} onInput={setName} required />
        <TextField label="Expires at" type="datetime-local" value={expires} onInput={setExpires} hint="Empty: never" />
        <ErrorBox error={create.error} />
        <button type="submit" disabled={create.busy}>Create key</button>
      </Form>
    </main>
  );
}
