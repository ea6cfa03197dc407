/** Device login: the code the CLI printed, what asks for access, and approve or deny. */
import { useEffect, useState } from "preact/hooks";
import { api } from "../api";
import { ErrorBox, Form, Notice, PageTitle, TextField, useAction, when } from "../ui";

interface DeviceLogin { user_code: string; client_id: string; status: string; expires_at: string }

export function DeviceLoginPage(props: { code: string }) {
  const [code, setCode] = useState(props.code);
  const [login, setLogin] = useState<DeviceLogin>();
  const look = useAction(async () => setLogin(await api<DeviceLogin>("GET", `/v1/auth/device/code/${encodeURIComponent(code.trim())}`)));
  const decide = useAction(async (decision: "approve" | "deny") =>
    setLogin(await api<DeviceLogin>("POST", `/v1/auth/device/${decision}`, { user_code: code.trim() })));
  useEffect(() => { if (props.code) void look.run(); }, []);
  return (
    <main id="main" class="narrow">
      <PageTitle>Device login</PageTitle>
      <Form label="Find device login" onSubmit={() => look.run()}>
        <TextField label="Code shown by the CLI" value={code} onInput={setCode} required />
        <button type="submit" class="secondary">Look up</button>
      </Form>
      <ErrorBox error={look.error ?? decide.error} />
      {login && (
        <section class="card" aria-label="Device login request">
          <dl>
            <dt>Code</dt><dd><code>{login.user_code}</code></dd>
            <dt>Client</dt><dd>{login.client_id}</dd>
            <dt>Status</dt><dd data-testid="device-status">{login.status}</dd>
            <dt>Expires</dt><dd>{when(login.expires_at)}</dd>
          </dl>
          {login.status === "pending" ? <>
            <p>Approve only if you started this login yourself.</p>
            <button type="button" onClick={() => decide.run("approve")}>Approve</button>{" "}
            <button type="button" class="danger" onClick={() => decide.run("deny")}>Deny</button>
          </> : <Notice>This request is {login.status}. You can close this page.</Notice>}
        </section>
      )}
    </main>
  );
}
