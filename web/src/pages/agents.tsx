/**
 * Agents: the list; creation, which shows the one-time key with a ready-to-paste MCP configuration; an agent's
 * detail (scopes, vault binding, token TTL, intents, guardrails, Shroud) with key rotation, deactivation, delete.
 */
import { useState } from "preact/hooks";
import { api } from "../api";
import { Link, navigate } from "../router";
import { CopyButton, ErrorBox, Form, Notice, PageTitle, TextField, useAction, useLoad, when } from "../ui";
import type { Vault } from "./vaults";

interface Agent {
  id: string; name: string; description?: string; scopes: string[]; is_active: boolean; intents_api_enabled: boolean;
  shroud_enabled: boolean; token_ttl_seconds: number | null; vault_ids: string[]; created_at: string; expires_at?: string;
  tx_to_allowlist: string[]; tx_max_value: string | null; tx_daily_limit: string | null; tx_allowed_chains: string[];
}

/** The hosted MCP server's configuration, as an MCP client takes it. */
function mcpSnippet(key: string, vaultId?: string): string {
  return JSON.stringify({ mcpServers: { keyledger: { url: `${location.origin}/mcp`,
    headers: { Authorization: `Bearer ${key}`, ...(vaultId && { "X-Vault-ID": vaultId }) } } } }, null, 2);
}

function OneTimeKey(props: { apiKey: string; vaultId?: string }) {
  const snippet = mcpSnippet(props.apiKey, props.vaultId);
  return (
    <section class="card key" aria-label="New API key">
      <h2>API key: shown once</h2>
      <p>Store it now: Keyledger keeps only a hash of it.</p>
      <p><code data-testid="agent-key">{props.apiKey}</code> <CopyButton text={props.apiKey} label="Copy key" /></p>
      <h3>MCP configuration</h3>
      <pre data-testid="mcp-snippet">{snippet}</pre>
      <CopyButton text={snippet} label="Copy MCP configuration" />
    </section>
  );
}

export function AgentListPage() {
  const agents = useLoad(() => api<{ agents: Agent[] }>("GET", "/v1/agents"), []);
  const vaults = useLoad(() => api<{ vaults: Vault[] }>("GET", "/v1/vaults"), []);
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [scopes, setScopes] = useState("");
  const [vaultId, setVaultId] = useState("");
  const [ttl, setTtl] = useState("");
  const [created, setCreated] = useState<{ agent: Agent; api_key: string }>();
  const create = useAction(async () => {
    const answer = await api<{ agent: Agent; api_key: string }>("POST", "/v1/agents", {
      name, ...(description && { description }), scopes: scopes.split(",").map((s) => s.trim()).filter(Boolean),
      ...(vaultId && { vault_ids: [vaultId] }), ...(ttl && { token_ttl_seconds: Number(ttl) }) });
    setCreated(answer);
    setName("");
    agents.reload();
  });
  return (
    <main id="main">
      <PageTitle>Agents</PageTitle>
      {created && <><Notice>Agent {created.agent.name} created.</Notice><OneTimeKey apiKey={created.api_key} vaultId={created.agent.vault_ids[0]} /></>}
      <ErrorBox error={agents.error} />
      <table>
        <caption>Agents</caption>
        <thead><tr><th scope="col">Name</th><th scope="col">Status</th><th scope="col">Features</th><th scope="col">Created</th></tr></thead>
        <tbody>
          {agents.data?.agents.map((agent) => (
            <tr key={agent.id}>
              <td><Link href={`/agents/${agent.id}`}>{agent.name}</Link></td>
              <td>{agent.is_active ? "active" : "inactive"}</td>
              <td>{agent.intents_api_enabled && <span class="badge">Intents</span>} {agent.shroud_enabled && <span class="badge">Shroud</span>}</td>
              <td>{when(agent.created_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Form label="Create agent" onSubmit={() => create.run()}>
        <h2>Create an agent</h2>
        <TextField label="Agent name" value={name} onInput={setName} required />
        <TextField label="Description" value={description} onInput={setDescription} />
        <TextField label="Scopes" value={scopes} onInput={setScopes} hint="Comma-separated path globs the agent is held to, e.g. api/*; empty: its policies alone decide" />
        <div class="field">
          <label for="agent-vault">Vault binding</label>
          <select id="agent-vault" value={vaultId} onChange={(e) => setVaultId(e.currentTarget.value)}>
            <option value="">No binding</option>
            {vaults.data?.vaults.filter((v) => !v.system).map((vault) => <option key={vault.id} value={vault.id}>{vault.name}</option>)}
          </select>
        </div>
        <TextField label="Token TTL in seconds" type="number" value={ttl} onInput={setTtl} hint="Empty: the default" />
        <ErrorBox error={create.error} />
        <button type="submit" disabled={create.busy}>Create agent</button>
      </Form>
    </main>
  );
}

export function AgentPage(props: { agentId: string }) {
  const agent = useLoad(() => api<Agent>("GET", `/v1/agents/${props.agentId}`), [props.agentId]);
  const [newKey, setNewKey] = useState<string>();
  const rotate = useAction(async () => setNewKey((await api<{ api_key: string }>("POST", `/v1/agents/${props.agentId}/rotate-key`)).api_key));
  const setActive = useAction(async (active: boolean) => {
    await api("PATCH", `/v1/agents/${props.agentId}`, { is_active: active });
    agent.reload();
  });
  const remove = useAction(async () => {
    await api("DELETE", `/v1/agents/${props.agentId}`);
    navigate("/agents");
  });
  const a = agent.data;
  return (
    <main id="main">
      <p><Link href="/agents">← Agents</Link></p>
      <PageTitle>{a?.name ?? "Agent"}</PageTitle>
      <ErrorBox error={agent.error} />
      {newKey && <OneTimeKey apiKey={newKey} vaultId={a?.vault_ids[0]} />}
      {a && (
        <section class="card" aria-label="Overview">
          <h2>Overview</h2>
          <dl>
            <dt>ID</dt><dd><code>{a.id}</code> <CopyButton text={a.id} label="Copy ID" /></dd>
            <dt>Status</dt><dd data-testid="agent-status">{a.is_active ? "active" : "inactive"}</dd>
            {a.description && <><dt>Description</dt><dd>{a.description}</dd></>}
            <dt>Scopes</dt><dd>{a.scopes.join(", ") || "none"}</dd>
            <dt>Vault binding</dt><dd>{a.vault_ids.length ? a.vault_ids.map((id) => <code key={id}>{id}</code>) : "all vaults its policies allow"}</dd>
            <dt>Token TTL</dt><dd>{a.token_ttl_seconds ? `${a.token_ttl_seconds} s` : "default"}</dd>
            <dt>Intents</dt><dd>{a.intents_api_enabled ? "enabled" : "disabled"}</dd>
            <dt>Transaction guardrails</dt><dd>{[a.tx_max_value && `max ${a.tx_max_value}`, a.tx_daily_limit && `daily ${a.tx_daily_limit}`,
              a.tx_allowed_chains.length && `chains ${a.tx_allowed_chains.join(", ")}`, a.tx_to_allowlist.length && `${a.tx_to_allowlist.length} allowed recipients`]
              .filter(Boolean).join("; ") || "none"}</dd>
            <dt>Shroud</dt><dd>{a.shroud_enabled ? "enabled" : "disabled"}</dd>
            <dt>Created</dt><dd>{when(a.created_at)}</dd>
            {a.expires_at && <><dt>Expires</dt><dd>{when(a.expires_at)}</dd></>}
          </dl>
        </section>
      )}
      {a && (
        <section class="card danger" aria-label="Danger zone">
          <h2>Danger zone</h2>
          <ErrorBox error={rotate.error ?? setActive.error ?? remove.error} />
          <button type="button" onClick={() => rotate.run()}>Rotate key</button>{" "}
          {a.is_active
            ? <button type="button" class="secondary" onClick={() => setActive.run(false)}>Deactivate</button>
            : <button type="button" class="secondary" onClick={() => setActive.run(true)}>Activate</button>}{" "}
          <button type="button" class="danger" onClick={() => confirm(`Delete agent ${a.name}?`) && remove.run()}>Delete agent</button>
        </section>
      )}
    </main>
  );
}
