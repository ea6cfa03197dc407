/**
 * Sharing: what the organisation shared out (revocable) and what was shared with the signed-in human (accept or
 * decline, then open). And the public page of a link share: the passphrase is asked in a form and sent in the
 * `X-Share-Passphrase` header, never in the URL.
 */
import { useState } from "preact/hooks";
import { ApiError, api } from "../api";
import { ErrorBox, Form, PageTitle, TextField, useAction, useLoad, when } from "../ui";

interface Share {
  id: string; secret_path: string; recipient_type: string; recipient_email?: string; created_by: string; status: string;
  access_count: number; max_access_count: number; has_passphrase: boolean; expires_at: string; is_expired: boolean; is_accepted: boolean;
}
interface Shared { path: string; type: string; version: number; value: string; access_count: number; max_access_count: number }

function ShareTable(props: { caption: string; shares?: Share[]; actions: (share: Share) => preact.JSX.Element | null }) {
  return (
    <table>
      <caption>{props.caption}</caption>
      <thead><tr><th scope="col">Secret</th><th scope="col">Recipient</th><th scope="col">Status</th><th scope="col">Uses</th>
        <th scope="col">Expires</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
      <tbody>
        {props.shares?.map((share) => (
          <tr key={share.id}>
            <td><code>{share.secret_path}</code></td>
            <td>{share.recipient_email ?? share.recipient_type}</td>
            <td>{share.is_expired ? "expired" : share.status}</td>
            <td>{share.access_count} / {share.max_access_count || "∞"}</td>
            <td>{when(share.expires_at)}</td>
            <td>{props.actions(share)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function SharingPage() {
  const outbound = useLoad(() => api<{ shares: Share[] }>("GET", "/v1/shares/outbound"), []);
  const inbound = useLoad(() => api<{ shares: Share[] }>("GET", "/v1/shares/inbound"), []);
  const [opened, setOpened] = useState<Shared>();
  const act = useAction(async (share: Share, action: "accept" | "decline" | "revoke" | "open") => {
    if (action === "revoke") await api("DELETE", `/v1/shares/${share.id}`);
    else if (action === "open") setOpened(await api<Shared>("GET", `/v1/share/${share.id}`));
    else await api("POST", `/v1/shares/${share.id}/${action}`);
    outbound.reload();
    inbound.reload();
  });
  return (
    <main id="main">
      <PageTitle>Sharing</PageTitle>
      <ErrorBox error={outbound.error ?? inbound.error ?? act.error} />
      {opened && <section class="card" aria-label="Shared secret"><h2>{opened.path}</h2><p><code data-testid="shared-value">{opened.value}</code></p></section>}
      <h2>Inbound</h2>
      <ShareTable caption="Shared with you" shares={inbound.data?.shares} actions={(share) => share.is_expired ? null
        : share.status === "pending" ? <>
          <button type="button" onClick={() => act.run(share, "accept")}>Accept</button>{" "}
          <button type="button" class="secondary" onClick={() => act.run(share, "decline")}>Decline</button></>
        : share.status === "accepted" ? <button type="button" onClick={() => act.run(share, "open")}>Open</button> : null} />
      <h2>Outbound</h2>
      <ShareTable caption="Shared by your organisation" shares={outbound.data?.shares} actions={(share) => share.status === "revoked" || share.is_expired ? null
        : <button type="button" class="danger" onClick={() => act.run(share, "revoke")}>Revoke</button>} />
    </main>
  );
}

export function PublicSharePage(props: { shareId: string }) {
  const [passphrase, setPassphrase] = useState("");
  const [shared, setShared] = useState<Shared>();
  const [needsPassphrase, setNeedsPassphrase] = useState(false);
  const open = useAction(async () => {
    try {
      setShared(await api<Shared>("GET", `/v1/share/${encodeURIComponent(props.shareId)}`, undefined,
        passphrase ? { "X-Share-Passphrase": passphrase } : {}));
    } catch (error) {
      if (error instanceof ApiError && (error.status === 401 || error.status === 403) && !passphrase) setNeedsPassphrase(true);
      throw error;
    }
  });
  return (
    <main id="main" class="narrow">
      <PageTitle>A secret was shared with you</PageTitle>
      {shared ? (
        <section class="card" aria-label="Shared secret">
          <h2>{shared.path}</h2>
          <p><code data-testid="shared-value">{shared.value}</code></p>
          <p class="meta">Version {shared.version}; opened {shared.access_count} of {shared.max_access_count || "unlimited"} times.</p>
        </section>
      ) : (
        <Form label="Open shared secret" onSubmit={() => open.run()}>
          <p>Opening the share counts as one use and is recorded.</p>
          <TextField label="Passphrase" type="password" value={passphrase} onInput={setPassphrase} autocomplete="off"
            hint={needsPassphrase ? "This share needs its passphrase." : "If the sender gave you one."} />
          <ErrorBox error={open.error} />
          <button type="submit" disabled={open.busy}>Open</button>
        </Form>
      )}
    </main>
  );
}
