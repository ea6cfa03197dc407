/**
 * Policies over HTTP: managing them (who may, what is valid), and what they decide when an agent or a
 * member reads and writes secrets: globs, permissions, deny and priority, IP conditions, vault binding,
 * revocation taking effect at once, token scopes, vault visibility, and refusals recorded as facts.
 */
import { expect } from "chai";
import { randomUUID } from "node:crypto";
import { hashPassword } from "../../src/humans/passwords.js";
import { registerUser } from "../../src/humans/register.js";
import { createUser, type TestUser } from "../support/identity.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { storedEvents, storedEventTexts } from "../support/events.js";

describe("policies over HTTP", () => {
  let server: TestServer;
  let owner: TestUser;
  let stranger: TestUser;
  let vaultId: string;
  const plaintexts = [`stripe-${randomUUID()}`, `nested-${randomUUID()}`, `db-${randomUUID()}`];
  const apiKeys: string[] = [];

  const as = (token: string) => ({
    get: (path: string) => server.request("GET", path, { token }),
    post: (path: string, body: unknown) => server.request("POST", path, { token, body }),
    put: (path: string, body: unknown) => server.request("PUT", path, { token, body }),
    del: (path: string) => server.request("DELETE", path, { token }),
  });

  async function member(role: "admin" | "member"): Promise<{ id: string; token: string }> {
    const email = `${role}-${randomUUID()}@example.test`;
    const password = `${role} password ${randomUUID()}`;
    const { userId } = await registerUser(server.server.services.bus, {
      email, authMethod: "password", passwordHash: await hashPassword(password), join: { orgId: owner.orgId, role },
    }, { actor: { type: "user", id: owner.userId } });
    const login = await server.request("POST", "/v1/auth/token", { body: { email, password } });
    expect(login.status).to.equal(200);
    return { id: userId, token: login.body.access_token };
  }

  async function agent(settings: Record<string, unknown> = {}): Promise<{ id: string; apiKey: string; token: () => Promise<string> }> {
    const created = await as(owner.accessToken).post("/v1/agents", { name: `agent-${randomUUID()}`, ...settings });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    const apiKey: string = created.body.api_key;
    apiKeys.push(apiKey);
    return {
      id: created.body.agent.id,
      apiKey,
      token: async () => (await server.request("POST", "/v1/auth/agent-token", { body: { api_key: apiKey } })).body.access_token,
    };
  }

  const policiesOf = (vault: string) => `/v1/vaults/${vault}/policies`;
  const grant = (principalId: string, extra: Record<string, unknown> = {}, principalType = "agent") =>
    as(owner.accessToken).post(policiesOf(vaultId), {
      secret_path_pattern: "api-keys/*", principal_type: principalType, principal_id: principalId, permissions: ["read"], ...extra,
    });
  const secret = (path: string) => `/v1/vaults/${vaultId}/secrets/${path}`;

  async function deniedEvents(actorId: string): Promise<Array<{ action: string; reason: string; path?: string }>> {
    const denied = await storedEvents(server.server.store, { type: "AccessDenied", where: (data) => data.actor.id === actorId });
    return denied.map((event) => event.data as { action: string; reason: string; path?: string });
  }

  before(async () => {
    server = await startTestServer("policies-http");
    owner = await createUser(server);
    stranger = await createUser(server);
    const vault = await as(owner.accessToken).post("/v1/vaults", { name: "shared" });
    expect(vault.status, JSON.stringify(vault.body)).to.equal(201);
    vaultId = vault.body.id;
  });
  after(async () => server?.close());

  describe("managing policies", () => {
    it("creates, lists, updates and revokes a policy with the reference's fields", async () => {
      const bot = await agent();
      const created = await grant(bot.id, { conditions: { ip_allowlist: ["10.0.0.1"] }, attribute_conditions: { ignored: true } });
      expect(created.status, JSON.stringify(created.body)).to.equal(201);
      expect(created.body).to.include({
        vault_id: vaultId, secret_path_pattern: "api-keys/*", principal_type: "agent", principal_id: bot.id,
        created_by: owner.userId, created_by_type: "user", effect: "allow", priority: 0,
      });
      expect(created.body.permissions).to.deep.equal(["read"]);
      expect(created.body.conditions).to.deep.equal({ ip_allowlist: ["10.0.0.1/32"] });
      expect(created.body).to.not.have.property("expires_at");
      expect(created.body).to.not.have.property("attribute_conditions");

      const list = await as(owner.accessToken).get(policiesOf(vaultId));
      expect(list.status).to.equal(200);
      expect(list.body.policies.map((p: { id: string }) => p.id)).to.include(created.body.id);

      const expiresAt = new Date(Date.now() + 3600_000).toISOString();
      const updated = await as(owner.accessToken).put(`${policiesOf(vaultId)}/${created.body.id}`,
        { permissions: ["read", "write"], expires_at: expiresAt, priority: 3, secret_path_pattern: "**" });
      expect(updated.status, JSON.stringify(updated.body)).to.equal(200);
      expect(updated.body).to.include({ secret_path_pattern: "api-keys/*", priority: 3, expires_at: expiresAt, effect: "allow" });
      expect(updated.body.permissions).to.deep.equal(["read", "write"]);
      expect(updated.body.conditions).to.deep.equal({ ip_allowlist: ["10.0.0.1/32"] }, "left-out terms keep their value");

      const cleared = await as(owner.accessToken).put(`${policiesOf(vaultId)}/${created.body.id}`, { expires_at: null, conditions: {} });
      expect(cleared.body).to.not.have.property("expires_at");
      expect(cleared.body.conditions).to.deep.equal({});

      expect((await as(owner.accessToken).del(`${policiesOf(vaultId)}/${created.body.id}`)).status).to.equal(204);
      expect((await as(owner.accessToken).del(`${policiesOf(vaultId)}/${created.body.id}`)).status).to.equal(404);
      expect((await as(owner.accessToken).put(`${policiesOf(vaultId)}/${created.body.id}`, { priority: 1 })).status).to.equal(404);
      const after = await as(owner.accessToken).get(policiesOf(vaultId));
      expect(after.body.policies.map((p: { id: string }) => p.id)).to.not.include(created.body.id);
    });

    it("answers 400 problems for invalid policies", async () => {
      const bot = await agent();
      const bad: Array<Record<string, unknown>> = [
        { secret_path_pattern: "a//b" },
        { secret_path_pattern: "a**" },
        { secret_path_pattern: "../x" },
        { secret_path_pattern: "" },
        { permissions: [] },
        { permissions: ["delete"] },
        { permissions: ["read", "delete"] },
        { permissions: "read" },
        { principal_type: "robot" },
        { principal_id: "not-a-uuid" },
        { conditions: { ip_allowlist: ["10.0.0.1/8"] } },
        { conditions: { ip_allowlist: "10.0.0.0/8" } },
        { conditions: { mfa_required: true } },
        { conditions: { time_windows: [{ start: "25:00", end: "26:00" }] } },
        { conditions: { time_windows: [{ start: "09:00", end: "17:00", timezone: "Nowhere/Special" }] } },
        { conditions: { time_windows: [{ days: [], start: "00:00", end: "24:00" }] } },
        { expires_at: "2020-01-01T00:00:00Z" },
        { expires_at: "tomorrow" },
        { effect: "maybe" },
        { priority: -1 },
        { priority: 1.5 },
      ];
      for (const body of bad) {
        const answer = await grant(bot.id, body);
        expect(answer.status, JSON.stringify(body)).to.equal(400);
        expect(answer.headers.get("content-type")).to.match(/application\/problem\+json/);
        expect(answer.body.detail).to.be.a("string");
      }
      const update = await grant(bot.id);
      for (const body of [{ permissions: [] }, { conditions: { nope: 1 } }, { expires_at: "2020-01-01T00:00:00Z" }, { priority: -3 }]) {
        const answer = await as(owner.accessToken).put(`${policiesOf(vaultId)}/${update.body.id}`, body);
        expect(answer.status, JSON.stringify(body)).to.equal(400);
      }
    });

    it("refuses principals outside the organisation and unknown ones (400)", async () => {
      const outsider = await createUser(server);
      expect((await grant(outsider.userId, {}, "user")).status).to.equal(400);
      expect((await grant(randomUUID(), {}, "agent")).status).to.equal(400);
      expect((await grant(owner.userId, {}, "agent")).status, "a user id given as an agent").to.equal(400);
    });

    it("answers 404 for vaults that are unknown, malformed or another organisation's, and for unknown policies", async () => {
      const bot = await agent();
      const body = { secret_path_pattern: "**", principal_type: "agent", principal_id: bot.id, permissions: ["read"] };
      expect((await as(owner.accessToken).post(policiesOf(randomUUID()), body)).status).to.equal(404);
      expect((await as(owner.accessToken).post(policiesOf("not-a-vault"), body)).status).to.equal(404);
      expect((await as(stranger.accessToken).post(policiesOf(vaultId), body)).status).to.equal(404);
      expect((await as(stranger.accessToken).get(policiesOf(vaultId))).status).to.equal(404);
      expect((await as(owner.accessToken).del(`${policiesOf(vaultId)}/${randomUUID()}`)).status).to.equal(404);
      // No policy id fits there: the path names no route (router-level, like every unknown path).
      expect((await as(owner.accessToken).del(`${policiesOf(vaultId)}/not-a-uuid`)).status).to.equal(404);
    });

    it("needs authentication and is documented in /openapi.json", async () => {
      expect((await server.request("GET", policiesOf(vaultId))).status).to.equal(401);
      const spec = (await server.request("GET", "/openapi.json")).body;
      expect(Object.keys(spec.paths["/v1/vaults/{vault_id}/policies"])).to.include.members(["get", "post"]);
      expect(Object.keys(spec.paths["/v1/vaults/{vault_id}/policies/{policy_id}"])).to.include.members(["put", "delete"]);
      expect(spec.paths["/v1/vaults/{vault_id}/policies"].post.operationId).to.equal("createPolicy");
    });

    it("lets only the vault's creator or the organisation's owners and admins manage its policies", async () => {
      const bot = await agent({ vault_ids: [] });
      await grant(bot.id, { secret_path_pattern: "**", permissions: ["read", "write"] });
      const botToken = await bot.token();
      const byAgent = await as(botToken).post(policiesOf(vaultId),
        { secret_path_pattern: "**", principal_type: "agent", principal_id: bot.id, permissions: ["read"] });
      expect(byAgent.status).to.equal(403);
      expect((await as(botToken).get(policiesOf(vaultId))).status).to.equal(403);
      expect((await deniedEvents(bot.id)).map((e) => e.reason)).to.include("agents manage policies only on vaults they created");

      const plain = await member("member");
      const byMember = await as(plain.token).post(policiesOf(vaultId),
        { secret_path_pattern: "**", principal_type: "user", principal_id: plain.id, permissions: ["read"] });
      expect(byMember.status).to.equal(403);
      expect((await as(plain.token).get(policiesOf(vaultId))).status).to.equal(403);
      expect((await deniedEvents(plain.id)).map((e) => e.action)).to.include.members(["policy.create", "policy.list"]);

      const admin = await member("admin");
      const byAdmin = await as(admin.token).post(policiesOf(vaultId),
        { secret_path_pattern: "**", principal_type: "user", principal_id: plain.id, permissions: ["read"] });
      expect(byAdmin.status).to.equal(201);
      expect(byAdmin.body.created_by).to.equal(admin.id);

      // A member manages the policies of a vault they created.
      const own = await as(plain.token).post("/v1/vaults", { name: `members-${randomUUID()}` });
      expect(own.status).to.equal(201);
      const onOwn = await as(plain.token).post(policiesOf(own.body.id),
        { secret_path_pattern: "**", principal_type: "agent", principal_id: bot.id, permissions: ["read"] });
      expect(onOwn.status).to.equal(201);
    });
  });

  describe("what policies decide", () => {
    before(async () => {
      for (const [path, value] of [["api-keys/stripe", plaintexts[0]], ["api-keys/a/b", plaintexts[1]], ["db/url", plaintexts[2]]]) {
        const put = await as(owner.accessToken).put(secret(path), { type: "api_key", value });
        expect(put.status, JSON.stringify(put.body)).to.equal(201);
      }
    });

    it("gives an agent without policies zero access and empty token scopes", async () => {
      const bot = await agent();
      const token = await bot.token();
      const claims = JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString());
      expect(claims.scopes).to.deep.equal([]);
      const read = await as(token).get(secret("api-keys/stripe"));
      expect(read.status).to.equal(403);
      expect(read.body.detail).to.not.include(plaintexts[0]);
      expect((await as(token).get(`/v1/vaults/${vaultId}/secrets`)).status).to.equal(403);
      expect((await deniedEvents(bot.id))[0]).to.include({ action: "secret.read", path: "api-keys/stripe", reason: "no matching policy" });
    });

    it("grants what the glob matches and the permission names, and scopes the agent's token", async () => {
      const bot = await agent();
      expect((await grant(bot.id)).status).to.equal(201);
      const token = await bot.token();
      expect(JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString()).scopes).to.deep.equal(["api-keys/*"]);

      const read = await as(token).get(secret("api-keys/stripe"));
      expect(read.status, JSON.stringify(read.body)).to.equal(200);
      expect(read.body.value).to.equal(plaintexts[0]);
      expect((await as(token).get(secret("api-keys%2Fstripe"))).status, "percent-encoded path").to.equal(200);
      expect((await as(token).get(secret("api-keys/a/b"))).status, "* is one segment").to.equal(403);
      expect((await as(token).get(secret("db/url"))).status).to.equal(403);
      expect((await as(token).put(secret("api-keys/stripe"), { type: "api_key", value: "x" })).status, "read only").to.equal(403);
      expect((await as(token).del(secret("api-keys/stripe"))).status, "delete needs write").to.equal(403);
      const listing = await as(token).get(`/v1/vaults/${vaultId}/secrets`);
      expect(listing.status, "vault-level listing").to.equal(200);
      expect(listing.body.secrets.map((s: { path: string }) => s.path), "only readable paths").to.deep.equal(["api-keys/stripe"]);
    });

    it("lets a deny win at equal priority and a higher priority override it", async () => {
      const bot = await agent();
      await grant(bot.id, { secret_path_pattern: "**" });
      const deny = await grant(bot.id, { secret_path_pattern: "api-keys/**", effect: "deny" });
      expect(deny.status).to.equal(201);
      const token = await bot.token();
      expect((await as(token).get(secret("db/url"))).status).to.equal(200);
      expect((await as(token).get(secret("api-keys/stripe"))).status).to.equal(403);
      expect((await deniedEvents(bot.id)).at(-1)).to.include({ reason: `denied by policy ${deny.body.id}` });

      const override = await grant(bot.id, { secret_path_pattern: "api-keys/stripe", priority: 10 });
      expect(override.status).to.equal(201);
      expect((await as(token).get(secret("api-keys/stripe"))).status).to.equal(200);
      expect((await as(token).get(secret("api-keys/a/b"))).status).to.equal(403);

      expect((await as(owner.accessToken).put(`${policiesOf(vaultId)}/${deny.body.id}`, { priority: 20 })).status).to.equal(200);
      expect((await as(token).get(secret("api-keys/stripe"))).status).to.equal(403);
    });

    it("holds to IP allowlists and revocation at once, without a new token", async () => {
      const bot = await agent();
      const policy = await grant(bot.id, { conditions: { ip_allowlist: ["203.0.113.0/24"] } });
      const token = await bot.token();
      const refused = await as(token).get(secret("api-keys/stripe"));
      expect(refused.status).to.equal(403);
      expect((await deniedEvents(bot.id)).at(-1)?.reason).to.equal("address not in the policy's ip_allowlist");

      const path = `${policiesOf(vaultId)}/${policy.body.id}`;
      await as(owner.accessToken).put(path, { conditions: { ip_allowlist: ["127.0.0.0/8", "::1"] } });
      expect((await as(token).get(secret("api-keys/stripe"))).status).to.equal(200);

      expect((await as(owner.accessToken).del(path)).status).to.equal(204);
      expect((await as(token).get(secret("api-keys/stripe"))).status, "revoked at once").to.equal(403);
    });

    it("binds an agent to its vault_ids and explicit scopes on top of its policies", async () => {
      const other = await as(owner.accessToken).post("/v1/vaults", { name: `other-${randomUUID()}` });
      const bound = await agent({ vault_ids: [other.body.id] });
      await grant(bound.id, { secret_path_pattern: "**" });
      const boundToken = await bound.token();
      expect((await as(boundToken).get(secret("db/url"))).status).to.equal(403);
      expect((await deniedEvents(bound.id)).at(-1)?.reason).to.equal("vault not in the agent's vault_ids");

      const scoped = await agent({ scopes: ["db/*"] });
      await grant(scoped.id, { secret_path_pattern: "**" });
      const scopedToken = await scoped.token();
      expect(JSON.parse(Buffer.from(scopedToken.split(".")[1], "base64url").toString()).scopes).to.deep.equal(["db/*"]);
      expect((await as(scopedToken).get(secret("db/url"))).status).to.equal(200);
      expect((await as(scopedToken).get(secret("api-keys/stripe"))).status).to.equal(403);
    });

    it("gives the vault's creator full access and members only what policies grant", async () => {
      const plain = await member("member");
      expect((await as(plain.token).get(secret("db/url"))).status).to.equal(403);
      const before = await as(plain.token).get("/v1/vaults");
      expect(before.body.vaults.map((v: { id: string }) => v.id)).to.not.include(vaultId);

      await grant(plain.id, { secret_path_pattern: "db/**", permissions: ["read", "write"] }, "user");
      const listed = await as(plain.token).get("/v1/vaults");
      expect(listed.body.vaults.map((v: { id: string }) => v.id)).to.include(vaultId);
      expect((await as(plain.token).get(secret("db/url"))).status).to.equal(200);
      expect((await as(plain.token).put(secret("db/new"), { type: "password", value: `new-${randomUUID()}` })).status).to.equal(201);
      expect((await as(plain.token).get(secret("api-keys/stripe"))).status).to.equal(403);

      const own = await as(plain.token).post("/v1/vaults", { name: `mine-${randomUUID()}` });
      const put = await as(plain.token).put(`/v1/vaults/${own.body.id}/secrets/anything/at/all`, { type: "note", value: "v" });
      expect(put.status, "the creator needs no policy").to.equal(201);
      expect((await as(plain.token).get(`/v1/vaults/${own.body.id}/secrets/anything/at/all`)).status).to.equal(200);
    });
  });

  describe("afterwards", () => {
    it("keeps secret values and API keys out of events, the policies table and the logs", async () => {
      const events = await storedEventTexts(server.server.store);
      const policies = await server.server.db.query<{ text: string }>(`select p::text as text from policies p`);
      const haystacks = [...events, ...policies.rows.map((r) => r.text), server.logs()];
      for (const needle of [...plaintexts, ...apiKeys]) {
        expect(haystacks.filter((text) => text.includes(needle)), needle.slice(0, 8)).to.deep.equal([]);
      }
    });
  });
});
