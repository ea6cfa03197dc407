/**
 * The cross-cutting check: store known plaintexts (passwords, API keys, agent keys, TOTP secret,
 * recovery codes, secret values), exercise every endpoint the API declares, then scan every table of the
 * database (the event store's and every read model's) and the server's log for them: zero hits.
 */
import { expect } from "chai";
import { codeFor } from "../humans/totp-helper.js";
import { createUser, lastMailTo, type TestUser } from "../support/identity.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { loadConfig } from "../../src/config.js";
import { storedEventTexts } from "../support/events.js";
import { cmekFingerprint, decryptCmekText, encryptCmek, generateCmekKey, toBase64 } from "../../src/sdk/cmek.js";

type Call = (method: string, path: string, options?: { body?: unknown; token?: string; headers?: Record<string, string> }) =>
  Promise<{ status: number; headers: Headers; body: any }>;

/** A secret `{path}` takes several segments, any other `{name}` one. */
function templatePattern(template: string): RegExp {
  const escaped = template.replace(/[.*?^$()|[\]\\]/g, "\\$&")
    .replace(/\{path\+?\}/g, ".+")
    .replace(/\{[a-z_]+\}/g, "[^/]+");
  return new RegExp(`^${escaped}$`);
}

describe("no plaintext secret anywhere after touring every endpoint", () => {
  let server: TestServer;
  const called: string[] = [];
  const plaintexts = new Map<string, string>();
  let owner: TestUser;
  let ownerToken: string;

  const remember = (label: string, value: unknown) => {
    expect(value, label).to.be.a("string").with.length.greaterThan(5);
    plaintexts.set(label, value as string);
  };

  before(async function () {
    this.timeout(360_000);
    const operatorEmail = `operator-${crypto.randomUUID()}@example.test`;
    server = await startTestServer("no-plaintext", { billing: { ...loadConfig({}).billing, operatorEmails: [operatorEmail] } });
    const call: Call = async (method, path, options) => {
      called.push(`${method} ${path.split("?")[0]}`);
      return server.request(method, path, options);
    };
    const recording: TestServer = { ...server, request: call };
    const ok = async (method: string, path: string, options: Parameters<Call>[2], status = 200) => {
      const response = await call(method, path, options);
      expect(response.status, `${method} ${path}: ${JSON.stringify(response.body)}`).to.equal(status);
      return response.body;
    };

    // Humans: signup, verification, login, profile, password, MFA.
    owner = await createUser(recording);
    remember("first password", owner.password);
    ownerToken = owner.accessToken;
    const t = () => ({ token: ownerToken });
    await ok("GET", "/v1/health", {});
    await ok("GET", "/v1/health/hsm", {});
    await ok("GET", "/.well-known/jwks.json", {});
    await ok("GET", "/v1/auth/jwt-public-key", {});
    await ok("PATCH", "/v1/auth/me", { ...t(), body: { display_name: "Ada Auditor" } });
    const newPassword = `second-${crypto.randomUUID()}`;
    remember("second password", newPassword);
    await ok("POST", "/v1/auth/change-password", { ...t(), body: { current_password: owner.password, new_password: newPassword } }, 204);
    ownerToken = (await ok("POST", "/v1/auth/token", { body: { email: owner.email, password: newPassword } })).access_token;
    const setup = await ok("POST", "/v1/auth/mfa/setup", t());
    remember("totp secret", setup.secret);
    const recoveryCodes: string[] = (await ok("POST", "/v1/auth/mfa/verify-setup", { ...t(), body: { code: codeFor(setup.secret, server.clock.now()) } })).recovery_codes;
    recoveryCodes.forEach((code, i) => remember(`recovery code ${i}`, code));
    await ok("GET", "/v1/auth/mfa/status", t());
    const challenge = (await ok("POST", "/v1/auth/token", { body: { email: owner.email, password: newPassword } })).mfa_token;
    ownerToken = (await ok("POST", "/v1/auth/mfa/verify", { body: { mfa_token: challenge, code: recoveryCodes[0] } })).access_token;
    await ok("DELETE", "/v1/auth/mfa", { ...t(), body: { code: recoveryCodes[1] } }, 204);
    expect((await call("POST", "/v1/auth/google", { body: { id_token: "not.a.token" } })).status).to.be.within(400, 499);

    // Personal API keys, IP rules, members.
    const apiKey = await ok("POST", "/v1/auth/api-keys", { ...t(), body: { name: "ci" } }, 201);
    remember("personal api key", apiKey.api_key);
    await ok("GET", "/v1/auth/api-keys", t());
    await ok("POST", "/v1/auth/api-key-token", { body: { api_key: plaintexts.get("personal api key") } });
    await ok("DELETE", `/v1/auth/api-keys/${apiKey.key.id}`, t(), 204);
    const rule = await ok("POST", "/v1/security/ip-rules", { ...t(), body: { rule_type: "deny", cidr: "203.0.113.0/24" } }, 201);
    await ok("GET", "/v1/security/ip-rules", t());
    await ok("DELETE", `/v1/security/ip-rules/${rule.id}`, t(), 204);
    await ok("GET", "/v1/org/members", t());
    const nobody = crypto.randomUUID();
    expect((await call("PATCH", `/v1/org/members/${nobody}`, { ...t(), body: { role: "admin" } })).status).to.equal(404);
    expect((await call("DELETE", `/v1/org/members/${nobody}`, t())).status).to.equal(404);

    // Vaults and secrets.
    const vault = await ok("POST", "/v1/vaults", { ...t(), body: { name: "payments" } }, 201);
    await ok("GET", "/v1/vaults", t());
    await ok("GET", `/v1/vaults/${vault.id}`, t());
    const v = `/v1/vaults/${vault.id}`;
    const stripe1 = `sk_live_${crypto.randomUUID()}`;
    const stripe2 = `sk_live_${crypto.randomUUID()}`;
    const dbPassword = `dbpw-${crypto.randomUUID()}`;
    const apiToken = `tok-${crypto.randomUUID()}`;
    remember("secret value 1", stripe1);
    remember("secret value 2", stripe2);
    remember("env bundle password", dbPassword);
    remember("env bundle token", apiToken);
    await ok("PUT", `${v}/secrets/api-keys/stripe`, { ...t(), body: { type: "api_key", value: stripe1, metadata: { team: "billing" } } }, 201);
    await ok("PUT", `${v}/secrets/api-keys%2Fstripe`, { ...t(), body: { type: "api_key", value: stripe2 } }, 201);
    await ok("PUT", `${v}/secrets/config/prod/env`, { ...t(), body: { type: "env_bundle", value: `DB_PASSWORD=${dbPassword}\nAPI_TOKEN=${apiToken}\n` } }, 201);
    expect((await ok("GET", `${v}/secrets/api-keys/stripe`, t())).value).to.equal(stripe2);
    expect((await ok("GET", `${v}/secrets/config/prod/env?format=json`, t())).env).to.deep.include({ DB_PASSWORD: dbPassword });
    await ok("GET", `${v}/secrets?prefix=api-keys/`, t());
    await ok("GET", `${v}/secret-versions/api-keys/stripe`, t());
    await ok("GET", `${v}/secret-version/api-keys/stripe/1`, t());
    await ok("POST", `${v}/secret-version-disable/api-keys/stripe/1`, t(), 204);
    await ok("PUT", `${v}/secrets/config/prod/rotating`, { ...t(), body: { type: "password", value: `seed-${crypto.randomUUID()}` } }, 201);
    await ok("POST", `${v}/secret-rotate/config/prod/rotating`, { ...t(), body: { length: 40, charset: "alphanumeric" } }, 201);
    remember("rotated value", (await ok("GET", `${v}/secrets/config/prod/rotating`, t())).value);
    await ok("DELETE", `${v}/secrets/config/prod/rotating`, t(), 204);

    // Customer-managed keys: the keys and the values under them never reach the server in the clear.
    const [cmekOld, cmekNew] = [generateCmekKey(), generateCmekKey()];
    remember("cmek old key", toBase64(cmekOld));
    remember("cmek new key", toBase64(cmekNew));
    const cmekValue = `cmek-plain-${crypto.randomUUID()}`;
    remember("cmek value", cmekValue);
    const cv = `/v1/vaults/${(await ok("POST", "/v1/vaults", { ...t(), body: { name: "cmek" } }, 201)).id}`;
    await ok("POST", `${cv}/cmek`, { ...t(), body: { fingerprint: await cmekFingerprint(cmekOld) } });
    await ok("PUT", `${cv}/secrets/db/password`, { ...t(), body: { value: await encryptCmek(cmekOld, cmekValue) } }, 201);
    const job = await ok("POST", `${cv}/cmek-rotate`, { ...t(), body: { new_fingerprint: await cmekFingerprint(cmekNew) },
      headers: { "x-cmek-old-key": toBase64(cmekOld), "x-cmek-new-key": toBase64(cmekNew) } }, 202);
    while ((await ok("GET", `${cv}/cmek-rotate/${job.id}`, t())).status === "running") await new Promise((r) => setTimeout(r, 50));
    expect(await decryptCmekText(cmekNew, (await ok("GET", `${cv}/secrets/db/password`, t())).value)).to.equal(cmekValue);
    await ok("DELETE", `${cv}/cmek`, t());
    await ok("POST", `${v}/secret-restore/config/prod/rotating`, t());

    // Agents, policies, agent reads (granted and denied).
    const created = await ok("POST", "/v1/agents", { ...t(), body: { name: "deploy-bot" } }, 201);
    remember("agent api key", created.api_key);
    const agentId = created.agent.id;
    const policy = await ok("POST", `${v}/policies`, { ...t(), body: {
      secret_path_pattern: "api-keys/*", principal_type: "agent", principal_id: agentId, permissions: ["read"] } }, 201);
    await ok("GET", `${v}/policies`, t());
    await ok("PUT", `${v}/policies/${policy.id}`, { ...t(), body: { permissions: ["read"], priority: 1 } });
    const agentToken = (await ok("POST", "/v1/auth/agent-token", { body: { api_key: created.api_key } })).access_token;
    expect((await ok("GET", `${v}/secrets/api-keys/stripe`, { token: agentToken })).value).to.equal(stripe2);
    expect((await call("GET", `${v}/secrets/config/prod/env`, { token: agentToken })).status).to.equal(403);

    // Sharing: a link with a passphrase (read, then revoked), an agent's share with its creator accepted, one declined.
    const stripeId = (await ok("GET", `${v}/secrets?prefix=api-keys/`, t())).secrets[0].id;
    const sharePassphrase = `share-pass-${crypto.randomUUID()}`;
    remember("share passphrase", sharePassphrase);
    const expiresAt = new Date(Date.now() + 3600_000).toISOString();
    const linkShare = await ok("POST", `/v1/secrets/${stripeId}/share`,
      { ...t(), body: { recipient_type: "anyone_with_link", passphrase: sharePassphrase, expires_at: expiresAt } }, 201);
    expect((await ok("GET", `/v1/share/${linkShare.id}`, { headers: { "X-Share-Passphrase": sharePassphrase } })).value).to.equal(stripe2);
    const creatorShare = await ok("POST", `/v1/secrets/${stripeId}/share`,
      { token: agentToken, body: { recipient_type: "creator", expires_at: expiresAt } }, 201);
    await ok("GET", "/v1/shares/inbound", t());
    await ok("POST", `/v1/shares/${creatorShare.id}/accept`, t(), 204);
    const declinedShare = await ok("POST", `/v1/secrets/${stripeId}/share`,
      { token: agentToken, body: { recipient_type: "creator", expires_at: expiresAt } }, 201);
    await ok("POST", `/v1/shares/${declinedShare.id}/decline`, t(), 204);
    await ok("GET", "/v1/shares/outbound", t());
    await ok("DELETE", `/v1/share/${linkShare.id}`, t(), 204);
    // The 1claw CLI's routes: share aliases, a human-minted agent token, device login (approved, then denied).
    const aliasShare = await ok("POST", "/v1/shares",
      { ...t(), body: { secret_id: stripeId, recipient_type: "anyone_with_link", expires_at: expiresAt } }, 201);
    await ok("GET", "/v1/shares?direction=outbound", t());
    await ok("DELETE", `/v1/shares/${aliasShare.id}`, t(), 204);
    await ok("POST", `/v1/agents/${agentId}/token`, t());
    const device = await ok("POST", "/v1/auth/device/code", { body: { client_id: "cli" } });
    remember("device code", device.device_code);
    expect((await call("POST", "/v1/auth/device/token", { body: { device_code: device.device_code } })).status).to.be.within(400, 499);
    await ok("GET", `/v1/auth/device/code/${device.user_code}`, t());
    await ok("POST", "/v1/auth/device/approve", { ...t(), body: { user_code: device.user_code } });
    await ok("POST", "/v1/auth/device/token", { body: { device_code: device.device_code } });
    const deniedDevice = await ok("POST", "/v1/auth/device/code", { body: { client_id: "cli" } });
    await ok("POST", "/v1/auth/device/deny", { ...t(), body: { user_code: deniedDevice.user_code } });
    await ok("GET", "/v1/agents/me", { token: agentToken });
    await ok("GET", "/v1/agents", t());
    // Shroud's activity (its calls are in test/shroud/; here the routes answer, with nothing to show).
    await ok("GET", `/v1/shroud/activity?agent_id=${agentId}`, t());
    await ok("GET", "/v1/shroud/threat-summary?period=7d", t());
    await ok("GET", `/v1/agents/${agentId}`, t());
    await ok("PATCH", `/v1/agents/${agentId}`, { ...t(), body: { description: "ships things" } });
    // Shroud router keys: minted (shown once), listed by prefix, revoked.
    await ok("PATCH", `/v1/agents/${agentId}`, { ...t(), body: { shroud_enabled: true } });
    const routerKey = await ok("POST", `/v1/agents/${agentId}/router-keys`, { ...t(), body: { name: "openai-sdk", spend_cap_usd: 5 } }, 201);
    remember("router key", routerKey.key);
    await ok("GET", `/v1/agents/${agentId}/router-keys`, t());
    await ok("DELETE", `/v1/agents/${agentId}/router-keys/${routerKey.id}`, t(), 204);
    remember("rotated agent api key", (await ok("POST", `/v1/agents/${agentId}/rotate-key`, t())).api_key);
    await ok("POST", `/v1/agents/${agentId}/rotate-identity-keys`, t());
    expect((await call("POST", "/v1/agents/enroll", { body: { name: "self-enrolled", human_email: owner.email } })).status).to.be.within(200, 202);

    // History, reports, audit.
    await ok("GET", `${v}/access-at/api-keys/stripe`, t());
    await ok("GET", `${v}/reads/api-keys/stripe`, t());
    await ok("GET", `${v}/secret-as-of/api-keys/stripe?at=${encodeURIComponent(new Date().toISOString())}`, t());
    for (const report of ["secrets-by-type", "stale-secrets", "expiring-secrets", "reads-per-day"]) await ok("GET", `/v1/reports/${report}`, t());
    await ok("GET", "/v1/audit/events?limit=1000", t());
    await ok("GET", "/v1/audit/verify", t());
    await ok("GET", "/v1/audit?limit=10", t());

    // Issue 15: refresh tokens, password reset, set-password, the GDPR export, the agent-keys vault, batch deletion.
    const session = await ok("POST", "/v1/auth/token", { body: { email: owner.email, password: newPassword } });
    remember("refresh token secret", session.refresh_token.split(".")[1]);
    const refreshed = await ok("POST", "/v1/auth/refresh", { body: { refresh_token: session.refresh_token } });
    remember("rotated refresh token secret", refreshed.refresh_token.split(".")[1]);
    await ok("POST", "/v1/auth/export-data", { ...t(), headers: { "x-auth-confirm": newPassword } });
    await ok("GET", "/v1/org/agent-keys-vault", t());
    const doomedBot = await ok("POST", "/v1/agents", { ...t(), body: { name: "batch-bot" } }, 201);
    remember("batch agent api key", doomedBot.api_key);
    await ok("POST", "/v1/agents/batch-delete", { ...t(), body: { agent_ids: [doomedBot.agent.id] } });
    const forgetful = await createUser(recording);
    remember("forgetful password", forgetful.password);
    await ok("POST", "/v1/auth/forgot-password", { body: { email: forgetful.email } });
    const resetToken = /reset-password:\n(\S+)\n/.exec(await lastMailTo(server, forgetful.email))![1];
    remember("reset token secret", resetToken.split(".")[2]);
    const resetPassword = `reset-${crypto.randomUUID()}`;
    remember("reset password", resetPassword);
    await ok("POST", "/v1/auth/reset-password", { body: { token: resetToken, new_password: resetPassword } });
    expect((await call("POST", "/v1/auth/set-password", { token: forgetful.accessToken, body: { password: resetPassword } })).status)
      .to.equal(401);
    // Invitations: one accepted over the API, one from the dashboard's link, one revoked.
    const inviteTokenFor = async (email: string) => /accept-invite:\n(\S+)\n/.exec(await lastMailTo(server, email))![1];
    const invitees = [1, 2, 3].map((n) => `invitee-${n}-${crypto.randomUUID()}@example.test`);
    for (const email of invitees) await ok("POST", "/v1/org/invite", { ...t(), body: { email, role: "member" } });
    const inviteTokens = await Promise.all(invitees.map(inviteTokenFor));
    inviteTokens.forEach((token, i) => remember(`invitation token secret ${i}`, token.split(".")[1]));
    const inviteePasswords = invitees.map(() => `invitee-${crypto.randomUUID()}`);
    inviteePasswords.forEach((password, i) => remember(`invitee password ${i}`, password));
    await ok("POST", "/v1/auth/accept-invite", { body: { token: inviteTokens[0], password: inviteePasswords[0] } });
    await ok("POST", "/v1/auth/session/accept-invite", { body: { token: inviteTokens[1], password: inviteePasswords[1] } });
    const pendingInvite = (await ok("GET", "/v1/org/invites", t())).invitations.find((i: { email: string }) => i.email === invitees[2]);
    await ok("DELETE", `/v1/org/invites/${pendingInvite.id}`, t(), 204);
    expect((await call("POST", "/v1/auth/accept-invite", { body: { token: inviteTokens[2], password: inviteePasswords[2] } })).status)
      .to.equal(400);
    const movedToken = (await ok("POST", "/v1/auth/token", { body: { email: forgetful.email, password: resetPassword } })).access_token;
    const movedEmail = `moved-${crypto.randomUUID()}@example.test`;
    await ok("POST", "/v1/auth/change-email", { token: movedToken, body: { new_email: movedEmail, password: resetPassword } });
    const emailCode = /Your code:\n\n(\d{6})\n/.exec(await lastMailTo(server, movedEmail))![1];
    await ok("POST", "/v1/auth/verify-email-change", { token: movedToken, body: { code: emailCode } });

    // The dashboard's cookie session: sign-in, MFA and verification-link forms, refresh, sign-out.
    await ok("GET", "/v1/auth/session/config", {});
    const sessionLogin = await call("POST", "/v1/auth/session/login", { body: { email: owner.email, password: newPassword } });
    expect(sessionLogin.status).to.equal(200);
    const sessionCookie = (sessionLogin.headers.get("set-cookie") ?? "").split(";")[0];
    const sessionHeaders = { cookie: sessionCookie, "x-csrf-token": sessionLogin.body.csrf_token as string };
    await ok("GET", "/v1/auth/session", { headers: { cookie: sessionCookie } });
    const refreshedSession = await call("POST", "/v1/auth/session/refresh", { headers: sessionHeaders });
    expect(refreshedSession.status).to.equal(200);
    const refreshedCookie = (refreshedSession.headers.get("set-cookie") ?? "").split(";")[0];
    expect((await call("DELETE", "/v1/auth/session", { headers: { cookie: refreshedCookie, "x-csrf-token": refreshedSession.body.csrf_token } })).status)
      .to.be.within(200, 204);
    expect((await call("POST", "/v1/auth/session/mfa", { body: { mfa_token: "not-a-token", code: "000000" } })).status).to.be.within(400, 499);
    expect((await call("POST", "/v1/auth/session/verify-email", { body: { token: "not-a-token" } })).status).to.be.within(400, 499);
    expect((await call("POST", "/v1/auth/session/google", { body: { id_token: "not.a.token" } })).status).to.be.within(400, 499);

    // The Intents API without an RPC: chains, a signature (the key stays in the vault), refusals to broadcast or simulate.
    await ok("GET", "/v1/chains", {});
    await ok("GET", "/v1/chains/base", {});
    const signer = await ok("POST", "/v1/agents", { ...t(), body: { name: "signer-bot", intents_api_enabled: true, vault_ids: [vault.id] } }, 201);
    remember("signer agent api key", signer.api_key);
    const signingKey = `0x${crypto.randomUUID().replace(/-/g, "")}${crypto.randomUUID().replace(/-/g, "")}`;
    remember("signing key", signingKey.slice(2));
    await ok("PUT", `${v}/secrets/keys/base-signer`, { ...t(), body: { type: "private_key", value: signingKey } }, 201);
    await ok("POST", `${v}/policies`, { ...t(), body: {
      secret_path_pattern: "keys/**", principal_type: "agent", principal_id: signer.agent.id, permissions: ["read"] } }, 201);
    const signerToken = (await ok("POST", "/v1/auth/agent-token", { body: { api_key: signer.api_key } })).access_token;
    const txs = `/v1/agents/${signer.agent.id}/transactions`;
    const transfer = { to: "0x000000000000000000000000000000000000dEaD", value: "0.01", chain: "base", gas_price: "1000000000", nonce: 0 };
    const signed = await ok("POST", `${txs}/sign`, { token: signerToken, body: transfer });
    expect((await call("POST", txs, { token: signerToken, body: transfer })).status, "no RPC: no broadcast").to.equal(400);
    expect((await call("POST", `${txs}/simulate`, { token: signerToken, body: transfer })).status, "no RPC: no simulation").to.equal(400);
    expect((await call("POST", `${txs}/simulate-bundle`, { token: signerToken, body: { transactions: [transfer] } })).status).to.equal(400);
    await ok("GET", `${txs}?include_signed_tx=true`, { token: signerToken });
    await ok("GET", `${txs}/${signed.id}`, t());

    // Billing: the organisation's tier, usage and credits; the operator's admin routes; Stripe's routes refused.
    const operator = await createUser(recording, { email: operatorEmail });
    remember("operator password", operator.password);
    await ok("PUT", `/v1/admin/orgs/${owner.orgId}/billing-tier`, { token: operator.accessToken, body: { tier: "business", duration_days: 30 } });
    await ok("POST", `/v1/admin/orgs/${owner.orgId}/credits`, { token: operator.accessToken, body: { amount_cents: 2500, description: "welcome" } }, 201);
    for (const route of ["subscription", "usage", "history", "credits/balance", "credits/transactions", "llm-token-billing"]) {
      await ok("GET", `/v1/billing/${route}`, t());
    }
    await ok("PATCH", "/v1/billing/overage-method", { ...t(), body: { overage_method: "credits" } });
    for (const route of ["subscribe", "portal", "credits/topup", "llm-token-billing/subscribe"]) {
      expect((await call("POST", `/v1/billing/${route}`, { ...t(), body: {} })).status, route).to.equal(409);
    }
    expect((await call("POST", "/v1/billing/webhooks", { body: {} })).status).to.equal(409);

    // Endings: a policy, an agent, a vault (with a secret in it), an account.
    await ok("DELETE", `${v}/policies/${policy.id}`, t(), 204);
    await ok("DELETE", `/v1/agents/${agentId}`, t(), 204);
    const doomed = await ok("POST", "/v1/vaults", { ...t(), body: { name: "doomed" } }, 201);
    const doomedValue = `doomed-${crypto.randomUUID()}`;
    remember("value of a deleted vault", doomedValue);
    await ok("PUT", `/v1/vaults/${doomed.id}/secrets/x/y`, { ...t(), body: { type: "note", value: doomedValue } }, 201);
    await ok("DELETE", `/v1/vaults/${doomed.id}`, t(), 204);
    const leaver = await createUser(recording);
    remember("leaver password", leaver.password);
    await ok("DELETE", "/v1/auth/me", { token: leaver.accessToken,
      headers: { "x-auth-confirm": leaver.password }, body: { confirmation: "DELETE MY ACCOUNT" } }, 204);
    const spare = (await ok("POST", "/v1/auth/token", { body: { email: owner.email, password: newPassword } })).access_token;
    await ok("DELETE", "/v1/auth/token", { token: spare }, 204);

    await server.server.runner.waitFor(await server.server.store.headPosition(), 10_000);
  });

  after(async () => {
    await server?.close();
  });

  it("exercised every endpoint the API declares", async () => {
    const { body: spec } = await server.request("GET", "/openapi.json");
    const missing: string[] = [];
    for (const [template, operations] of Object.entries(spec.paths as Record<string, Record<string, unknown>>)) {
      const pattern = templatePattern(template);
      for (const method of Object.keys(operations)) {
        const upper = method.toUpperCase();
        if (!called.some((c) => c.startsWith(`${upper} `) && pattern.test(c.slice(upper.length + 1)))) missing.push(`${upper} ${template}`);
      }
    }
    expect(missing).to.deep.equal([]);
  });

  /** Every row of every table in the database, as text, with where it came from. */
  async function allRows(): Promise<Array<{ table: string; text: string }>> {
    const { db } = server.server;
    const { rows: tables } = await db.query<{ schema: string; name: string }>(
      `select table_schema as schema, table_name as name from information_schema.tables
        where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')`);
    expect(tables.map((t) => t.name)).to.include.members(["eventstore_events", "audit_events", "secrets", "vaults", "policies"]);
    const out: Array<{ table: string; text: string }> = [];
    for (const { schema, name } of tables) {
      const { rows } = await db.query<{ text: string }>(`select t::text as text from "${schema}"."${name}" t`);
      for (const row of rows) out.push({ table: `${schema}.${name}`, text: row.text });
    }
    return out;
  }

  function hits(text: string): string[] {
    return [...plaintexts].filter(([, value]) => text.includes(value)).map(([label]) => label);
  }

  it("left no plaintext in the event store's events", async () => {
    const events = await storedEventTexts(server.server.store);
    expect(events.length).to.be.greaterThan(50);
    expect(events.flatMap(hits)).to.deep.equal([]);
  });

  it("left no plaintext in any table: read models, audit log, catalog", async () => {
    const found = (await allRows()).flatMap((r) => hits(r.text).map((label) => `${label} in ${r.table}`));
    expect([...new Set(found)]).to.deep.equal([]);
  });

  it("left no plaintext in the log", () => {
    expect(server.logs().length).to.be.greaterThan(0);
    expect(hits(server.logs())).to.deep.equal([]);
  });

  it("serves no plaintext from the audit endpoints", async () => {
    const { body } = await server.request("GET", "/v1/audit/events?limit=1000", { token: ownerToken });
    expect(body.events.map((e: { action: string }) => e.action)).to.include.members(
      ["secret.read", "secret.write", "secret.rotate", "access.denied", "vault.delete", "policy.update", "auth.login"]);
    expect(hits(JSON.stringify(body))).to.deep.equal([]);
  });
});
