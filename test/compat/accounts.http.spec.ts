/**
 * The 1claw account routes beyond the core spec (issue 15): forgotten passwords (single-use mailed token, no
 * account enumeration), a first password for Google accounts, `X-Auth-Confirm`, the GDPR export, and the
 * organisation's `__agent-keys` vault id.
 */
import { randomUUID } from "node:crypto";
import { expect } from "chai";
import { startOidcIssuer, type OidcIssuer } from "../support/oidc-issuer.js";
import { createUser, lastMailTo, type TestUser } from "../support/identity.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { storedEventTexts } from "../support/events.js";

const CLIENT_ID = "keyledger-compat-client.apps.example";

describe("1claw account routes beyond the core spec", () => {
  let issuer: OidcIssuer;
  let server: TestServer;

  before(async () => {
    issuer = await startOidcIssuer(CLIENT_ID);
    server = await startTestServer("compat-accounts", { google: issuer.google });
  });
  after(async () => {
    await server?.close();
    await issuer?.close();
  });

  const post = (path: string, body: unknown, options: { token?: string; headers?: Record<string, string> } = {}) =>
    server.request("POST", path, { body, ...options });
  const login = (email: string, password: string) => post("/v1/auth/token", { email, password });

  async function mailedResetToken(email: string): Promise<string> {
    const match = /reset-password:\n(\S+)\n/.exec(await lastMailTo(server, email));
    if (!match) throw new Error(`the last mail to ${email} holds no reset token`);
    return match[1];
  }

  describe("forgot-password and reset-password", () => {
    it("answers the same for any address and mails a token only to an account", async () => {
      const user = await createUser(server);
      const nobody = `nobody-${randomUUID()}@example.test`;
      const known = await post("/v1/auth/forgot-password", { email: user.email.toUpperCase() });
      const unknown = await post("/v1/auth/forgot-password", { email: nobody });
      expect(known.status).to.equal(200);
      expect(known.body).to.deep.equal(unknown.body);
      expect(known.body.message).to.be.a("string");
      expect(await mailedResetToken(user.email)).to.match(/^[0-9a-f-]{36}\.[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/);
      let mailedNobody = true;
      await lastMailTo(server, nobody).catch(() => { mailedNobody = false; });
      expect(mailedNobody).to.equal(false);
    });

    it("sets a new password once with the mailed token, revoking the sessions from before", async () => {
      const user = await createUser(server);
      await post("/v1/auth/forgot-password", { email: user.email });
      const token = await mailedResetToken(user.email);
      const reset = await post("/v1/auth/reset-password", { token, new_password: "a brand new password" });
      expect(reset.status, JSON.stringify(reset.body)).to.equal(200);
      expect((await login(user.email, user.password)).status).to.equal(401);
      expect((await login(user.email, "a brand new password")).status).to.equal(200);
      expect((await server.request("GET", "/v1/auth/me", { token: user.accessToken })).status, "old session").to.equal(401);

      const again = await post("/v1/auth/reset-password", { token, password: "yet another password" });
      expect(again.status, "single use").to.equal(400);
      expect((await login(user.email, "yet another password")).status).to.equal(401);
      const texts = (await storedEventTexts(server.server.store)).join("\n");
      expect(texts).to.not.include(token.split(".")[2]).and.not.include("a brand new password");
    });

    it("refuses replaced, expired, forged and malformed tokens, and weak passwords, with 400", async () => {
      const user = await createUser(server);
      await post("/v1/auth/forgot-password", { email: user.email });
      const first = await mailedResetToken(user.email);
      await post("/v1/auth/forgot-password", { email: user.email });
      const second = await mailedResetToken(user.email);
      expect(second).to.not.equal(first);
      expect((await post("/v1/auth/reset-password", { token: first, new_password: "replaced token pw" })).status).to.equal(400);
      const [userId, resetId, secret] = second.split(".");
      const forged = `${userId}.${resetId}.${secret.slice(0, -1)}${secret.endsWith("A") ? "B" : "A"}`;
      for (const token of [forged, `${randomUUID()}.${resetId}.${secret}`, "garbage", ""]) {
        expect((await post("/v1/auth/reset-password", { token, new_password: "forged token pw" })).status, token).to.equal(400);
      }
      expect((await post("/v1/auth/reset-password", { token: second, new_password: "short" })).status).to.equal(400);
      expect((await post("/v1/auth/reset-password", { token: second, new_password: "one password", password: "another one" })).status)
        .to.equal(400);

      server.clock.advance(61 * 60 * 1000);
      expect((await post("/v1/auth/reset-password", { token: second, new_password: "too late password" })).status).to.equal(400);
      expect((await login(user.email, user.password)).status, "unchanged").to.equal(200);
    });
  });

  describe("set-password", () => {
    it("gives an account that signed up with Google a password, once", async () => {
      const email = `google-${randomUUID()}@example.test`;
      const idToken = await issuer.idToken({ sub: `g-${randomUUID()}`, email });
      const token = (await post("/v1/auth/google", { id_token: idToken })).body.access_token;
      expect((await login(email, "google user password")).status).to.equal(401);
      const set = await post("/v1/auth/set-password", { password: "google user password" }, { token });
      expect(set.status, JSON.stringify(set.body)).to.equal(200);
      expect((await login(email, "google user password")).status).to.equal(200);

      const fresh = (await login(email, "google user password")).body.access_token;
      const twice = await post("/v1/auth/set-password", { new_password: "another password" }, { token: fresh });
      expect(twice.status).to.equal(409);
      expect(twice.body.detail).to.include("change-password");
      expect((await post("/v1/auth/set-password", { password: "no token here" })).status).to.equal(401);
    });
  });

  describe("export-data and X-Auth-Confirm", () => {
    let owner: TestUser;
    before(async () => { owner = await createUser(server); });

    it("exports the caller's own data, metadata only, behind the password in X-Auth-Confirm", async () => {
      const as = { token: owner.accessToken };
      const vault = (await server.request("POST", "/v1/vaults", { ...as, body: { name: "exported" } })).body;
      const value = `do-not-export-${randomUUID()}`;
      await server.request("PUT", `/v1/vaults/${vault.id}/secrets/api-keys/stripe`, { ...as, body: { type: "api_key", value } });
      const agent = (await post("/v1/agents", { name: "exported-bot" }, as)).body.agent;
      const policy = (await post(`/v1/vaults/${vault.id}/policies`, { secret_path_pattern: "api-keys/*", principal_type: "agent",
        principal_id: agent.id, permissions: ["read"] }, as)).body;
      const stranger = await createUser(server);
      await server.request("POST", "/v1/vaults", { token: stranger.accessToken, body: { name: "not-ours" } });

      expect((await post("/v1/auth/export-data", {}, as)).status).to.equal(403);
      expect((await post("/v1/auth/export-data", {}, { ...as, headers: { "x-auth-confirm": "wrong" } })).status).to.equal(403);
      const exported = await post("/v1/auth/export-data", {}, { ...as, headers: { "x-auth-confirm": owner.password } });
      expect(exported.status, JSON.stringify(exported.body)).to.equal(200);
      const data = exported.body;
      expect(data).to.have.keys("export_version", "exported_at", "user", "vaults", "agents", "secrets_metadata", "policies");
      expect(data.user).to.include({ id: owner.userId, email: owner.email, auth_method: "password" });
      expect(data.vaults.map((v: { id: string }) => v.id)).to.deep.equal([vault.id]);
      expect(data.vaults[0]).to.have.keys("id", "name", "created_at");
      expect(data.agents.map((a: { id: string }) => a.id)).to.deep.equal([agent.id]);
      expect(data.secrets_metadata).to.deep.equal([{ vault_id: vault.id, path: "api-keys/stripe", type: "api_key", version: 1,
        created_at: data.secrets_metadata[0].created_at }]);
      expect(data.policies).to.have.length(1);
      expect(data.policies[0]).to.include({ id: policy.id, vault_id: vault.id, principal_type: "agent", principal_id: agent.id,
        secret_path_pattern: "api-keys/*" });
      expect(JSON.stringify(data)).to.not.include(value).and.not.include(owner.password);
      expect(server.logs()).to.not.include(owner.password);
    });

    it("is for humans", async () => {
      const created = await post("/v1/agents", { name: "curious-bot" }, { token: owner.accessToken });
      const agentToken = (await post("/v1/auth/agent-token", { api_key: created.body.api_key })).body.access_token;
      expect((await post("/v1/auth/export-data", {}, { token: agentToken, headers: { "x-auth-confirm": "x" } })).status).to.equal(403);
    });
  });

  describe("change-email and verify-email-change", () => {
    async function mailedCode(email: string): Promise<string> {
      const match = /Your code:\n\n(\d{6})\n/.exec(await lastMailTo(server, email));
      if (!match) throw new Error(`the last mail to ${email} holds no code`);
      return match[1];
    }

    it("moves the account to the new address once the mailed code comes back", async () => {
      const user = await createUser(server);
      const as = { token: user.accessToken };
      const newEmail = `moved-${randomUUID()}@example.test`;
      expect((await post("/v1/auth/change-email", { new_email: newEmail, password: "wrong" }, as)).status).to.equal(400);
      expect((await post("/v1/auth/change-email", { new_email: newEmail }, as)).status, "no password").to.equal(400);
      expect((await post("/v1/auth/change-email", { new_email: user.email, password: user.password }, as)).status).to.equal(400);
      const asked = await post("/v1/auth/change-email", { new_email: newEmail.toUpperCase(), password: user.password }, as);
      expect(asked.status, JSON.stringify(asked.body)).to.equal(200);
      expect(asked.body.email).to.equal(newEmail);
      const code = await mailedCode(newEmail);
      const wrongCode = code === "000000" ? "000001" : "000000";
      expect((await post("/v1/auth/verify-email-change", { code: wrongCode }, as)).status).to.equal(400);
      const verified = await post("/v1/auth/verify-email-change", { code }, as);
      expect(verified.status, JSON.stringify(verified.body)).to.equal(200);
      expect((await server.request("GET", "/v1/auth/me", as)).body.email).to.equal(newEmail);
      expect((await login(newEmail, user.password)).status).to.equal(200);
      expect((await login(user.email, user.password)).status).to.equal(401);
      expect((await post("/v1/auth/verify-email-change", { code }, as)).status, "spent").to.equal(400);
      const reused = await createUser(server, { email: user.email });
      expect(reused.userId, "the old address is free again").to.not.equal(user.userId);
    });

    it("refuses an address another account holds (409) and drops the change after 5 wrong codes", async () => {
      const user = await createUser(server);
      const other = await createUser(server);
      const as = { token: user.accessToken, headers: { "x-auth-confirm": user.password } };
      expect((await post("/v1/auth/change-email", { email: other.email }, as)).status, "no enumeration at request").to.equal(200);
      const taken = await post("/v1/auth/verify-email-change", { code: await mailedCode(other.email) }, as);
      expect(taken.status).to.equal(409);
      expect((await server.request("GET", "/v1/auth/me", { token: user.accessToken })).body.email).to.equal(user.email);

      const target = `target-${randomUUID()}@example.test`;
      await post("/v1/auth/change-email", { new_email: target }, as);
      const code = await mailedCode(target);
      const wrong = code === "111111" ? "222222" : "111111";
      for (let i = 0; i < 5; i++) expect((await post("/v1/auth/verify-email-change", { code: wrong }, as)).status).to.equal(400);
      expect((await post("/v1/auth/verify-email-change", { code }, as)).status, "dropped after 5 wrong codes").to.equal(400);
      expect((await post("/v1/auth/verify-email-change", { code: "12345" }, as)).status).to.equal(400);
    });
  });

  describe("POST /v1/auth/refresh", () => {
    const refresh = (refreshToken: string) => post("/v1/auth/refresh", { refresh_token: refreshToken });

    it("rotates the refresh token on use; the spent one, presented again, ends the session", async () => {
      const user = await createUser(server);
      const signedIn = (await login(user.email, user.password)).body;
      expect(signedIn).to.include.keys("access_token", "refresh_token");
      const first = await refresh(signedIn.refresh_token);
      expect(first.status, JSON.stringify(first.body)).to.equal(200);
      expect(first.body).to.include({ token_type: "Bearer" });
      expect(first.body.expires_in).to.be.greaterThan(0);
      expect(first.body.refresh_token).to.not.equal(signedIn.refresh_token);
      expect((await server.request("GET", "/v1/auth/me", { token: first.body.access_token })).body.id).to.equal(user.userId);
      const second = await refresh(first.body.refresh_token);
      expect(second.status).to.equal(200);

      const replayed = await refresh(first.body.refresh_token);
      expect(replayed.status, "a spent token").to.equal(401);
      expect((await refresh(second.body.refresh_token)).status, "the whole session ended").to.equal(401);
      const reasons = (await storedEventTexts(server.server.store, { type: "RefreshSessionRevoked" })).join();
      expect(reasons).to.include("reuse");
      const texts = (await storedEventTexts(server.server.store)).join("\n");
      expect(texts).to.not.include(signedIn.refresh_token.split(".")[1]).and.not.include(second.body.refresh_token.split(".")[1]);
    });

    it("is revoked by logout with the token, and by a password change", async () => {
      const user = await createUser(server);
      const session = (await login(user.email, user.password)).body;
      const out = await server.request("DELETE", "/v1/auth/token", { token: session.access_token,
        body: { refresh_token: session.refresh_token } });
      expect(out.status).to.equal(204);
      expect((await refresh(session.refresh_token)).status).to.equal(401);

      const other = (await login(user.email, user.password)).body;
      expect((await server.request("DELETE", "/v1/auth/token", { token: user.accessToken })).status, "logout without a body").to.equal(204);
      const changed = await post("/v1/auth/change-password", { current_password: user.password, new_password: "changed password 1" },
        { token: other.access_token });
      expect(changed.status).to.equal(204);
      expect((await refresh(other.refresh_token)).status).to.equal(401);
      const fresh = (await login(user.email, "changed password 1")).body;
      expect((await refresh(fresh.refresh_token)).status, "sessions after the change work").to.equal(200);
    });

    it("refuses malformed and foreign tokens, and expires after 30 days", async () => {
      for (const token of ["", "nope", `${randomUUID()}.${"A".repeat(43)}`]) expect((await refresh(token)).status, token).to.equal(401);
      const user = await createUser(server);
      const stranger = await createUser(server);
      const session = (await login(user.email, user.password)).body;
      const foreign = await server.request("DELETE", "/v1/auth/token", { token: stranger.accessToken,
        body: { refresh_token: session.refresh_token } });
      expect(foreign.status, "another user's refresh token").to.equal(401);
      expect((await refresh(session.refresh_token)).status, "still alive").to.equal(200);
      const later = (await login(user.email, user.password)).body;
      server.clock.advance(31 * 24 * 3600 * 1000);
      expect((await refresh(later.refresh_token)).status).to.equal(401);
    });
  });

  describe("GET /v1/org/agent-keys-vault", () => {
    it("names the organisation's __agent-keys vault once it exists, for humans only", async () => {
      const user = await createUser(server);
      const before = await server.request("GET", "/v1/org/agent-keys-vault", { token: user.accessToken });
      expect(before.status).to.equal(404);
      const created = await post("/v1/agents", { name: "first-bot" }, { token: user.accessToken });
      const answer = await server.request("GET", "/v1/org/agent-keys-vault", { token: user.accessToken });
      expect(answer.status).to.equal(200);
      expect(answer.body).to.include({ name: "__agent-keys" });
      expect(answer.body.vault_id).to.equal(answer.body.id);
      const vault = await server.request("GET", `/v1/vaults/${answer.body.vault_id}`, { token: user.accessToken });
      expect(vault.body.name).to.equal("__agent-keys");
      const agentToken = (await post("/v1/auth/agent-token", { api_key: created.body.api_key })).body.access_token;
      expect((await server.request("GET", "/v1/org/agent-keys-vault", { token: agentToken })).status).to.equal(403);
    });
  });
});
