/** The audit log, filtered by actor, action, resource (a vault, a secret, ...) and time; the hash chain's status. */
import { useState } from "preact/hooks";
import { api, isoFromLocal, query } from "../api";
import { CopyButton, ErrorBox, Form, PageTitle, TextField, useLoad, when } from "../ui";

interface AuditEvent { id: string; action: string; actor_type: string; actor_id: string | null; resource_type: string;
  resource_id: string; details: Record<string, unknown>; ip_address: string | null; created_at: string }
interface Verify { chain_valid: boolean; events_verified: number; events_checked: number; broken_at_event_id: string | null; reason?: string }

export function AuditPage() {
  const [actor, setActor] = useState("");
  const [action, setAction] = useState("");
  const [resource, setResource] = useState("");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [filters, setFilters] = useState<Record<string, string | undefined>>({});
  const events = useLoad(() => api<{ events: AuditEvent[]; count: number }>("GET", `/v1/audit/events${query(filters)}`), [filters]);
  const chain = useLoad(() => api<Verify>("GET", "/v1/audit/verify"), []);
  return (
    <main id="main">
      <PageTitle>Audit Log</PageTitle>
      <section class="card" aria-label="Hash chain" data-testid="chain-status">
        <ErrorBox error={chain.error} />
        {chain.data && (chain.data.chain_valid
          ? <p class="ok">Hash chain intact: {chain.data.events_verified} events verified.</p>
          : <p class="error">Hash chain broken at {chain.data.broken_at_event_id}: {chain.data.reason}</p>)}
      </section>
      <Form label="Filter audit events" class="inline" onSubmit={() => setFilters({ actor_id: actor, action, resource_id: resource,
        from: isoFromLocal(from), to: isoFromLocal(to) })}>
        <TextField label="Actor ID" value={actor} onInput={setActor} />
        <TextField label="Action" value={action} onInput={setAction} placeholder="secret.read" />
        <TextField label="Resource ID (vault, secret, agent…)" value={resource} onInput={setResource} />
        <TextField label="From" type="datetime-local" value={from} onInput={setFrom} />
        <TextField label="To" type="datetime-local" value={to} onInput={setTo} />
        <button type="submit" class="secondary">Apply filters</button>
      </Form>
      <ErrorBox error={events.error} />
      <table data-testid="audit-events">
        <caption>{events.data ? `${events.data.count} events` : "Events"}</caption>
        <thead><tr><th scope="col">When</th><th scope="col">Action</th><th scope="col">Actor</th><th scope="col">Resource</th><th scope="col">From</th></tr></thead>
        <tbody>
          {events.data?.events.map((event) => (
            <tr key={event.id}>
              <td>{when(event.created_at)}</td>
              <td><code>{event.action}</code></td>
              <td>{event.actor_type} {event.actor_id && <><code>{event.actor_id.slice(0, 8)}</code> <CopyButton text={event.actor_id} label="Copy actor ID" /></>}</td>
              <td>{event.resource_type} <code>{String(event.details.path ?? event.resource_id)}</code></td>
              <td>{event.ip_address ?? "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </main>
  );
}
