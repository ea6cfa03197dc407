/**
 * A vault's access policies: the grants in force, an editor for new ones (principal, path glob, permissions,
 * conditions, expiry, allow/deny and priority), inline edit and delete.
 */
import { useState } from "preact/hooks";
import { api, isoFromLocal, localFromIso } from "../api";
import { ErrorBox, Form, TextField, useAction, useLoad, when } from "../ui";

interface Policy {
  id: string; secret_path_pattern: string; principal_type: "user" | "agent"; principal_id: string;
  permissions: ("read" | "write")[]; conditions: Record<string, unknown>; expires_at?: string; effect: "allow" | "deny"; priority: number;
}
interface Agent { id: string; name: string }

/** The editable terms of a policy, as form text. */
interface Terms { read: boolean; write: boolean; conditions: string; expires: string; effect: "allow" | "deny"; priority: string }

function termsOf(policy?: Policy): Terms {
  return { read: policy?.permissions.includes("read") ?? true, write: policy?.permissions.includes("write") ?? false,
    conditions: policy && Object.keys(policy.conditions).length ? JSON.stringify(policy.conditions) : "",
    expires: policy?.expires_at ? localFromIso(policy.expires_at) : "", effect: policy?.effect ?? "allow",
    priority: String(policy?.priority ?? 0) };
}

function bodyOf(terms: Terms) {
  let conditions: unknown;
  if (terms.conditions.trim()) {
    try { conditions = JSON.parse(terms.conditions); } catch { throw new Error("Conditions must be JSON, e.g. {\"ip_allowlist\": [\"10.0.0.0/8\"]}"); }
  }
  return { permissions: [...(terms.read ? ["read"] : []), ...(terms.write ? ["write"] : [])],
    ...(conditions !== undefined && { conditions }), expires_at: isoFromLocal(terms.expires) ?? null,
    effect: terms.effect, priority: Number(terms.priority) };
}

function TermsFields(props: { terms: Terms; set: (terms: Terms) => void }) {
  const { terms, set } = props;
  const [group] = useState(() => `effect-${Math.random().toString(36).slice(2)}`);
  return (
    <>
      <fieldset>
        <legend>Permissions</legend>
        <label><input type="checkbox" checked={terms.read} onChange={(e) => set({ ...terms, read: e.currentTarget.checked })} /> read</label>
        <label><input type="checkbox" checked={terms.write} onChange={(e) => set({ ...terms, write: e.currentTarget.checked })} /> write</label>
      </fieldset>
      <fieldset>
        <legend>Effect</legend>
        <label><input type="radio" name={group} checked={terms.effect === "allow"} onChange={() => set({ ...terms, effect: "allow" })} /> allow</label>
        <label><input type="radio" name={group} checked={terms.effect === "deny"} onChange={() => set({ ...terms, effect: "deny" })} /> deny</label>
      </fieldset>
      <TextField label="Priority" type="number" value={terms.priority} onInput={(priority) => set({ ...terms, priority })} />
      <TextField label="Conditions (JSON)" value={terms.conditions} onInput={(conditions) => set({ ...terms, conditions })}
        placeholder='{"ip_allowlist": ["10.0.0.0/8"]}' />
      <TextField label="Expires at" type="datetime-local" value={terms.expires} onInput={(expires) => set({ ...terms, expires })} />
    </>
  );
}

export function PoliciesTab(props: { vaultId: string }) {
  const base = `/v1/vaults/${props.vaultId}/policies`;
  const policies = useLoad(() => api<{ policies: Policy[] }>("GET", base), [base]);
  const agents = useLoad(() => api<{ agents: Agent[] }>("GET", "/v1/agents"), []);
  const [principalType, setPrincipalType] = useState<"agent" | "user">("agent");
  const [principalId, setPrincipalId] = useState("");
  const [pattern, setPattern] = useState("**");
  const [terms, setTerms] = useState(termsOf());
  const [editing, setEditing] = useState<string>();
  const [editTerms, setEditTerms] = useState(termsOf());
  const create = useAction(async () => {
    await api("POST", base, { principal_type: principalType, principal_id: principalId, secret_path_pattern: pattern, ...bodyOf(terms) });
    setPrincipalId("");
    policies.reload();
  });
  const save = useAction(async (id: string) => {
    await api("PUT", `${base}/${id}`, bodyOf(editTerms));
    setEditing(undefined);
    policies.reload();
  });
  const remove = useAction(async (id: string) => {
    await api("DELETE", `${base}/${id}`);
    policies.reload();
  });
  const agentName = (id: string) => agents.data?.agents.find((agent) => agent.id === id)?.name;
  return (
    <section aria-label="Access policies">
      <ErrorBox error={policies.error ?? save.error ?? remove.error} />
      <table>
        <caption>Grants on this vault</caption>
        <thead><tr><th scope="col">Principal</th><th scope="col">Paths</th><th scope="col">Permissions</th><th scope="col">Effect</th>
          <th scope="col">Priority</th><th scope="col">Expires</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
        <tbody>
          {policies.data?.policies.map((policy) => editing === policy.id ? (
            <tr key={policy.id}>
              <td colSpan={7}>
                <Form label="Edit policy" onSubmit={() => save.run(policy.id)}>
                  <p>{policy.principal_type} {agentName(policy.principal_id) ?? policy.principal_id} on <code>{policy.secret_path_pattern}</code></p>
                  <TermsFields terms={editTerms} set={setEditTerms} />
                  <button type="submit">Save policy</button> <button type="button" class="secondary" onClick={() => setEditing(undefined)}>Cancel</button>
                </Form>
              </td>
            </tr>
          ) : (
            <tr key={policy.id}>
              <td>{policy.principal_type} {agentName(policy.principal_id) ?? <code>{policy.principal_id}</code>}</td>
              <td><code>{policy.secret_path_pattern}</code></td>
              <td>{policy.permissions.join(", ")}</td><td>{policy.effect}</td><td>{policy.priority}</td><td>{when(policy.expires_at)}</td>
              <td>
                <button type="button" class="secondary" onClick={() => { setEditing(policy.id); setEditTerms(termsOf(policy)); }}>Edit</button>{" "}
                <button type="button" class="danger" onClick={() => remove.run(policy.id)}>Delete</button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Form label="Create policy" onSubmit={() => create.run()}>
        <h2>Create a policy</h2>
        <div class="field">
          <label for="principal-type">Principal type</label>
          <select id="principal-type" value={principalType} onChange={(e) => setPrincipalType(e.currentTarget.value as "agent" | "user")}>
            <option value="agent">agent</option><option value="user">user</option>
          </select>
        </div>
        {principalType === "agent" && agents.data?.agents.length ? (
          <div class="field">
            <label for="principal-agent">Agent</label>
            <select id="principal-agent" value={principalId} onChange={(e) => setPrincipalId(e.currentTarget.value)} required>
              <option value="">Choose an agent</option>
              {agents.data.agents.map((agent) => <option key={agent.id} value={agent.id}>{agent.name}</option>)}
            </select>
          </div>
        ) : <TextField label="Principal ID" value={principalId} onInput={setPrincipalId} required />}
        <TextField label="Path glob" value={pattern} onInput={setPattern} hint="* within one segment, ** across segments" required />
        <TermsFields terms={terms} set={setTerms} />
        <ErrorBox error={create.error} />
        <button type="submit" disabled={create.busy}>Create policy</button>
      </Form>
    </section>
  );
}
