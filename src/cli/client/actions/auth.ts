/** `login` (device flow, password with MFA, API key), `logout`, `whoami`, and approving a device login. */
import { setTimeout as sleep } from "node:timers/promises";
import { configPath, updateConfigFile, type StoredAuth } from "../config-file.js";
import type { Context } from "../context.js";
import { apiFailure, CliError, EXIT, UsageError } from "../errors.js";
import { ask, closePrompts } from "../prompt.js";
import { requireCredential, unwrap } from "../session.js";
import { AuthResource } from "../../../sdk/resources/auth.js";
import { DeviceLoginResource } from "../../../sdk/resources/device-login.js";

export interface LoginOptions {
  email?: string | true;
  apiKey?: string;
  device?: boolean;
}

function expiresAt(seconds: number): string {
  return new Date(Date.now() + seconds * 1000).toISOString();
}

async function store(ctx: Context, auth: StoredAuth): Promise<void> {
  const { http, apiUrl } = ctx.session;
  if (!auth.userId || !auth.email) {
    const me = await unwrap(new AuthResource(http).getMe());
    Object.assign(auth, { userId: me.id, email: me.email, orgId: me.org_id });
  }
  await updateConfigFile((config) => { config.apiUrl = apiUrl; config.auth = auth; });
  ctx.out.success(`logged in to ${apiUrl} as ${auth.email}`);
  if (ctx.out.json) ctx.out.printJson({ api_url: apiUrl, email: auth.email, user_id: auth.userId, org_id: auth.orgId, method: auth.method });
}

async function passwordLogin(ctx: Context, emailOption: string | true): Promise<void> {
  const auth = new AuthResource(ctx.session.http);
  const email = emailOption === true ? await ask("Email: ") : emailOption;
  const password = await ask("Password: ", { secret: true });
  const first = await unwrap(auth.login({ email, password }));
  let token = first.access_token;
  let expiresIn = first.expires_in;
  if (first.mfa_required && first.mfa_token) {
    const code = await ask("Authentication code: ", { secret: true });
    const second = await unwrap(auth.verifyMfa({ mfa_token: first.mfa_token, code }));
    [token, expiresIn] = [second.access_token, second.expires_in];
  }
  if (!token) throw new CliError("the server answered the login without a token");
  closePrompts();
  await store(ctx, { token, method: "password", email, expiresAt: expiresAt(expiresIn ?? 3600) });
}

async function apiKeyLogin(ctx: Context, apiKey: string): Promise<void> {
  if (!apiKey.startsWith("1ck_")) throw new UsageError("--api-key takes a personal API key (1ck_…)");
  // Proves the key works; the client then refreshes its token from the key, as every later command will.
  await unwrap(new AuthResource(ctx.session.http).apiKeyToken({ api_key: apiKey }));
  await store(ctx, { apiKey, method: "api_key" });
}

/** RFC 8628 from the device's side: show the code, poll at the interval (longer after slow_down) until an answer. */
async function deviceLogin(ctx: Context): Promise<void> {
  const device = new DeviceLoginResource(ctx.session.http);
  const grant = await unwrap(device.requestCode({ client_id: "keyledger-cli" }));
  ctx.out.info(`To sign in, approve this code while signed in elsewhere:\n\n    ${grant.user_code}\n\n` +
    `  open ${grant.verification_uri_complete}\n  or run: keyledger device approve ${grant.user_code}\n`);
  const deadline = Date.now() + grant.expires_in * 1000;
  let interval = grant.interval;
  const spinner = process.stderr.isTTY ? ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"] : undefined;
  let tick = 0;
  while (Date.now() < deadline) {
    if (spinner) process.stderr.write(`\r${spinner[tick++ % spinner.length]} waiting for approval…`);
    await sleep(interval * 1000);
    const answer = await device.pollToken(grant.device_code);
    if (answer.data) {
      if (spinner) process.stderr.write("\r\x1b[K");
      const { access_token: token, expires_in: expiresIn, user_id: userId, org_id: orgId, email } = answer.data;
      return store(ctx, { token, method: "device", userId, orgId, email, expiresAt: expiresAt(expiresIn) });
    }
    const code = answer.error?.code;
    if (code === "authorization_pending") continue;
    if (code === "slow_down") { interval += 5; continue; }
    if (spinner) process.stderr.write("\r\x1b[K");
    if (code === "access_denied") throw new CliError("the device login was denied", EXIT.denied);
    if (code === "expired_token" || code === "invalid_grant") throw new CliError("the device code expired; run `keyledger login` again");
    throw apiFailure(answer.error!, answer.meta.status);
  }
  throw new CliError("the device code expired; run `keyledger login` again");
}

export async function login(ctx: Context, options: LoginOptions): Promise<void> {
  if (options.apiKey) return apiKeyLogin(ctx, options.apiKey);
  if (options.email && !options.device) return passwordLogin(ctx, options.email);
  return deviceLogin(ctx);
}

/** Approves (or denies) a device login's user code as the signed-in human. */
export async function decideDevice(ctx: Context, userCode: string, decision: "approve" | "deny"): Promise<void> {
  requireCredential(ctx.session);
  const device = new DeviceLoginResource(ctx.session.http);
  const status = await unwrap(decision === "approve" ? device.approve(userCode) : device.deny(userCode));
  if (ctx.out.json) return ctx.out.printJson(status);
  ctx.out.success(`device login ${status.user_code} ${status.status} (client ${status.client_id})`);
}

export async function logout(ctx: Context): Promise<void> {
  const { session, out } = ctx;
  if (session.credentialSource === "config") {
    const answer = await new AuthResource(session.http).logout();
    // A token that already expired or was revoked is as logged out as it gets.
    if (answer.error && answer.meta.status !== 401) throw apiFailure(answer.error, answer.meta.status);
  }
  await updateConfigFile((config) => { delete config.auth; });
  if (session.credentialSource.startsWith("KEYLEDGER_")) out.warn(`${session.credentialSource} is set and still used`);
  if (out.json) return out.printJson({ logged_out: true });
  out.success("logged out");
}

export async function whoami(ctx: Context): Promise<void> {
  const { session, out } = ctx;
  requireCredential(session);
  const me = await unwrap(new AuthResource(session.http).getMe());
  const auth = session.config.auth;
  const data = { email: me.email, user_id: me.id, org_id: me.org_id, role: me.role, api_url: session.apiUrl,
    credential: session.credentialSource, expires_at: session.credentialSource === "config" ? auth?.expiresAt : undefined,
    config_file: configPath() };
  out.record(data, [["Email", me.email], ["User", me.id], ["Organisation", me.org_id], ["Role", me.role],
    ["API", session.apiUrl], ["Credential", session.credentialSource], ["Expires", data.expires_at], ["Config", data.config_file]]);
}
