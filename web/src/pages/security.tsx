/** Security: the organisation's IP rules, and the signed-in human's TOTP MFA (QR code, recovery codes). */
import { useMemo, useState } from "preact/hooks";
import { encode } from "uqr";
import { api } from "../api";
import { ErrorBox, Form, Notice, PageTitle, TextField, useAction, useLoad, when } from "../ui";

interface IpRule { id: string; rule_type: "allow" | "deny"; cidr: string; label?: string; created_at: string }

/** The otpauth URI as a QR code, drawn as SVG rectangles (no inline styles for the CSP to refuse). */
function QrCode(props: { text: string }) {
  const { data, size } = useMemo(() => encode(props.text, { border: 2 }), [props.text]);
  const cells = data.flatMap((row, y) => row.map((on, x) => on ? <rect key={`${x}-${y}`} x={x} y={y} width={1} height={1} /> : null));
  return (
    <svg class="qr" viewBox={`0 0 ${size} ${size}`} role="img" aria-label="QR code for your authenticator app">
      <rect width={size} height={size} fill="#fff" />
      <g fill="#000">{cells}</g>
    </svg>
  );
}

function MfaCard() {
  const status = useLoad(() => api<{ enabled: boolean }>("GET", "/v1/auth/mfa/status"), []);
  const [setup, setSetup] = useState<{ otpauth_uri: string; secret: string }>();
  const [code, setCode] = useState("");
  const [recovery, setRecovery] = useState<string[]>();
  const start = useAction(async () => setSetup(await api("POST", "/v1/auth/mfa/setup")));
  const confirm = useAction(async () => {
    setRecovery((await api<{ recovery_codes: string[] }>("POST", "/v1/auth/mfa/verify-setup", { code })).recovery_codes);
    setSetup(undefined);
    setCode("");
    status.reload();
  });
  const disable = useAction(async () => {
    await api("DELETE", "/v1/auth/mfa", { code });
    setCode("");
    setRecovery(undefined);
    status.reload();
  });
  return (
    <section class="card" aria-label="Two-factor authentication">
      <h2>Two-factor authentication</h2>
      <ErrorBox error={status.error ?? start.error ?? confirm.error ?? disable.error} />
      {recovery && (
        <div>
          <Notice>MFA is on. Keep these recovery codes somewhere safe: each works once, and they are not shown again.</Notice>
          <ul class="codes" data-testid="recovery-codes">{recovery.map((c) => <li key={c}><code>{c}</code></li>)}</ul>
        </div>
      )}
      {status.data?.enabled === false && !setup && <button type="button" onClick={() => start.run()}>Set up MFA</button>}
      {setup && (
        <Form label="Confirm MFA" onSubmit={() => confirm.run()}>
          <p>Scan the code with your authenticator app, or enter the key by hand.</p>
          <QrCode text={setup.otpauth_uri} />
          <p>Key: <code data-testid="totp-secret">{setup.secret}</code></p>
          <TextField label="Code from the app" value={code} onInput={setCode} autocomplete="one-time-code" required />
          <button type="submit">Turn on MFA</button>
        </Form>
      )}
      {status.data?.enabled && !recovery && (
        <Form label="Turn off MFA" onSubmit={() => disable.run()}>
          <p>MFA is on.</p>
          <TextField label="Code to turn MFA off" value={code} onInput={setCode} autocomplete="one-time-code" required />
          <button type="submit" class="danger">Turn off MFA</button>
        </Form>
      )}
    </section>
  );
}

function IpRulesCard() {
  const rules = useLoad(() => api<{ rules: IpRule[] }>("GET", "/v1/security/ip-rules"), []);
  const [type, setType] = useState<"allow" | "deny">("deny");
  const [cidr, setCidr] = useState("");
  const [label, setLabel] = useState("");
  const create = useAction(async () => {
    await api("POST", "/v1/security/ip-rules", { rule_type: type, cidr, ...(label && { label }) });
    setCidr("");
    setLabel("");
    rules.reload();
  });
  const remove = useAction(async (id: string) => {
    await api("DELETE", `/v1/security/ip-rules/${id}`);
    rules.reload();
  });
  return (
    <section class="card" aria-label="IP rules">
      <h2>IP rules</h2>
      <ErrorBox error={rules.error ?? remove.error} />
      <table>
        <thead><tr><th scope="col">Rule</th><th scope="col">CIDR</th><th scope="col">Label</th><th scope="col">Created</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
        <tbody>{rules.data?.rules.map((rule) => (
          <tr key={rule.id}><td>{rule.rule_type}</td><td><code>{rule.cidr}</code></td><td>{rule.label}</td><td>{when(rule.created_at)}</td>
            <td><button type="button" class="danger" onClick={() => remove.run(rule.id)}>Delete rule</button></td></tr>
        ))}</tbody>
      </table>
      <Form label="Add IP rule" class="inline" onSubmit={() => create.run()}>
        <div class="field">
          <label for="rule-type">Rule</label>
          <select id="rule-type" value={type} onChange={(e) => setType(e.currentTarget.value as "allow" | "deny")}>
            <option value="deny">deny</option><option value="allow">allow</option>
          </select>
        </div>
        <TextField label="CIDR" value={cidr} onInput={setCidr} placeholder="203.0.113.0/24" required />
        <TextField label="Label" value={label} onInput={setLabel} />
        <button type="submit" class="secondary">Add rule</button>
      </Form>
      <ErrorBox error={create.error} />
    </section>
  );
}

export function SecurityPage() {
  return (
    <main id="main">
      <PageTitle>Security</PageTitle>
      <MfaCard />
      <IpRulesCard />
    </main>
  );
}
