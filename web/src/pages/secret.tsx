/**
 * A secret: its value masked until **Reveal** (each reveal is a read the API audits, like any other), copy,
 * version history with rotate and disable, delete and restore, a link share, and time travel: who could read
 * it at T and who did read it between A and B.
 */
import { useState } from "preact/hooks";
import { api, isoFromLocal, query, secretPath } from "../api";
import { Link } from "../router";
import { CopyButton, ErrorBox, Form, Notice, PageTitle, TextField, useAction, useLoad, when } from "../ui";

interface Version { id: string; path: string; type: string; version: number; created_at: string; is_disabled?: boolean }
interface Revealed { value: string; version: number }

export function SecretPage(props: { vaultId: string; path: string }) {
  const base = `/v1/vaults/${props.vaultId}`;
  const encoded = secretPath(props.path);
  const versions = useLoad(() => api<{ versions: Version[] }>("GET", `${base}/secret-versions/${encoded}`), [base, encoded]);
  const [revealed, setRevealed] = useState<Revealed>();
  const [deleted, setDeleted] = useState(false);
  const [message, setMessage] = useState<string>();
  const reveal = useAction(async () => setRevealed(await api<Revealed>("GET", `${base}/secrets/${encoded}`)));
  const rotate = useAction(async () => {
    const info = await api<Version>("POST", `${base}/secret-rotate/${encoded}`, {});
    setRevealed(undefined);
    setMessage(`Rotated: version ${info.version} holds a new generated value.`);
    versions.reload();
  });
  const disable = useAction(async (version: number) => {
    await api("POST", `${base}/secret-version-disable/${encoded}/${version}`);
    setMessage(`Version ${version} disabled.`);
    versions.reload();
  });
  const remove = useAction(async () => {
    await api("DELETE", `${base}/secrets/${encoded}`);
    setRevealed(undefined);
    setDeleted(true);
    setMessage("Secret deleted. It can be restored.");
  });
  const restore = useAction(async () => {
    await api("POST", `${base}/secret-restore/${encoded}`);
    setDeleted(false);
    setMessage("Secret restored.");
    versions.reload();
  });
  const list = versions.data?.versions ?? [];
  const current = list.length ? Math.max(...list.map((v) => v.version)) : undefined;
  return (
    <main id="main">
      <p><Link href={`/vaults/${props.vaultId}`}>← Vault</Link></p>
      <PageTitle>{props.path}</PageTitle>
      <p class="meta">Path <code>{props.path}</code> <CopyButton text={props.path} label="Copy path" /></p>
      {message && <Notice>{message}</Notice>}
      {!deleted && (
        <section class="card" aria-label="Value">
          <h2>Value</h2>
          <p class="value" aria-live="polite">{revealed ? <code data-testid="secret-value">{revealed.value}</code> : <span aria-label="masked value">••••••••••••</span>}</p>
          {revealed
            ? <><button type="button" class="secondary" onClick={() => setRevealed(undefined)}>Hide</button> <CopyButton text={revealed.value} label="Copy value" /></>
            : <button type="button" onClick={() => reveal.run()} disabled={reveal.busy}>Reveal</button>}
          <small class="hint">Each reveal is a read, recorded in the audit log.</small>
          <ErrorBox error={reveal.error} />
        </section>
      )}
      <section class="card" aria-label="Versions">
        <h2>Version history</h2>
        <ErrorBox error={versions.error} />
        <table>
          <thead><tr><th scope="col">Version</th><th scope="col">Created</th><th scope="col">State</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {list.map((version) => (
              <tr key={version.version}>
                <td>{version.version}{version.version === current && " (current)"}</td>
                <td>{when(version.created_at)}</td>
                <td>{version.is_disabled ? "disabled" : "active"}</td>
                <td>{!version.is_disabled && version.version !== current && !deleted && (
                  <button type="button" class="secondary" onClick={() => disable.run(version.version)}>Disable version {version.version}</button>
                )}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <ErrorBox error={disable.error ?? rotate.error} />
        {!deleted && <button type="button" onClick={() => rotate.run()} disabled={rotate.busy}>Rotate</button>}
      </section>
      {!deleted && <ShareForm vaultId={props.vaultId} secretId={list[0]?.id} />}
      <TimeTravel base={base} encoded={encoded} />
      <section class="card danger" aria-label="Delete">
        <h2>Delete</h2>
        <ErrorBox error={remove.error ?? restore.error} />
        {deleted
          ? <button type="button" onClick={() => restore.run()}>Restore secret</button>
          : <button type="button" class="danger" onClick={() => remove.run()}>Delete secret</button>}
      </section>
    </main>
  );
}

function ShareForm(props: { vaultId: string; secretId?: string }) {
  const [passphrase, setPassphrase] = useState("");
  const [hours, setHours] = useState("24");
  const [link, setLink] = useState<string>();
  const share = useAction(async () => {
    const expires = new Date(Date.now() + Number(hours) * 3600_000).toISOString();
    const created = await api<{ id: string }>("POST", `/v1/secrets/${props.secretId}/share`, {
      recipient_type: "anyone_with_link", expires_at: expires, max_access_count: 5, ...(passphrase && { passphrase }) });
    setLink(`${location.origin}/share/${created.id}`);
  });
  if (!props.secretId) return null;
  return (
    <Form label="Share by link" onSubmit={() => share.run()}>
      <h2>Share by link</h2>
      <TextField label="Passphrase (recommended)" type="password" value={passphrase} onInput={setPassphrase} autocomplete="new-password" />
      <TextField label="Expires in hours" type="number" value={hours} onInput={setHours} required />
      <ErrorBox error={share.error} />
      <button type="submit" disabled={share.busy}>Create link</button>
      {link && <p>Link: <a href={link} data-testid="share-link">{link}</a> <CopyButton text={link} label="Copy link" /></p>}
    </Form>
  );
}

interface AccessAt { at: string; principals: { principal_type: string; principal_id: string; via: string; policy_id?: string; valid_from: string; valid_to: string | null }[] }
interface Reads { count: number; reads: { event_id: string; reader_type: string; reader_id: string; version: number; read_at: string }[] }

function TimeTravel(props: { base: string; encoded: string }) {
  const [at, setAt] = useState("");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [access, setAccess] = useState<AccessAt>();
  const [reads, setReads] = useState<Reads>();
  const couldRead = useAction(async () => setAccess(await api<AccessAt>("GET",
    `${props.base}/access-at/${props.encoded}${query({ at: isoFromLocal(at) })}`)));
  const didRead = useAction(async () => setReads(await api<Reads>("GET",
    `${props.base}/reads/${props.encoded}${query({ from: isoFromLocal(from), to: isoFromLocal(to) })}`)));
  return (
    <section class="card" aria-label="Time travel">
      <h2>Time travel</h2>
      <Form label="Who could read it" class="inline" onSubmit={() => couldRead.run()}>
        <TextField label="Who could read it at" type="datetime-local" value={at} onInput={setAt} hint="Empty: now" />
        <button type="submit" class="secondary">Who could read</button>
      </Form>
      <ErrorBox error={couldRead.error} />
      {access && (
        <table data-testid="access-at">
          <caption>Could read at {when(access.at)}</caption>
          <thead><tr><th scope="col">Principal</th><th scope="col">Via</th><th scope="col">Since</th><th scope="col">Until</th></tr></thead>
          <tbody>{access.principals.map((p) => (
            <tr key={`${p.principal_type}:${p.principal_id}`}>
              <td>{p.principal_type} <code>{p.principal_id}</code></td><td>{p.via}</td><td>{when(p.valid_from)}</td><td>{when(p.valid_to)}</td>
            </tr>))}</tbody>
        </table>
      )}
      <Form label="Who did read it" class="inline" onSubmit={() => didRead.run()}>
        <TextField label="Read from" type="datetime-local" value={from} onInput={setFrom} />
        <TextField label="Read until" type="datetime-local" value={to} onInput={setTo} />
        <button type="submit" class="secondary">Who read</button>
      </Form>
      <ErrorBox error={didRead.error} />
      {reads && (
        <table data-testid="reads">
          <caption>{reads.count} reads</caption>
          <thead><tr><th scope="col">Reader</th><th scope="col">Version</th><th scope="col">When</th></tr></thead>
          <tbody>{reads.reads.map((r) => (
            <tr key={r.event_id}><td>{r.reader_type} <code>{r.reader_id}</code></td><td>{r.version}</td><td>{when(r.read_at)}</td></tr>
          ))}</tbody>
        </table>
      )}
    </section>
  );
}
