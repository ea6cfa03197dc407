/**
 * The SDK against the real server, resource by resource, method by method: what a caller moving from
 * `@1claw/sdk` writes, and what comes back.
 */
import { expect } from "chai";
import { randomUUID } from "node:crypto";
import { AgentsResource, createClient, type KeyledgerClient } from "../../src/sdk/index.js";
import { codeFor } from "../humans/totp-helper.js";
import { lastMailTo } from "../support/identity.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { agentWithAccess, memberOf, ok, ownerOf, type Owner } from "./fixtures.js";

describe("SDK resources against the real server", () => {
  let server: TestServer;
  let owner: Owner;
  let vaultId: string;
  const values: string[] = [];
  /** A value that must never be seen outside a `get`. */
  const secretValue = () => {
    const value = `sv-${randomUUID()}`;
    values.push(value);
    return value;
  };

  before(async () => {
    server = await startTestServer("sdk-resources");
    owner = await ownerOf(server);
    vaultId = ok(await owner.client.vaults.create({ name: "sdk-main", description: "for the SDK spec" })).id;
  });
  after(async () => server?.close());

  describe("vaults", () => {
    it("creates, gets, lists and deletes, also under the 1claw name `vault`", async () => {
      const created = ok(await owner.client.vault.create({ name: "sdk-temp" }));
      expect(created).to.include({ name: "sdk-temp", created_by: owner.userId, created_by_type: "user" });
      expect(ok(await owner.client.vaults.get(created.id)).name).to.equal("sdk-temp");
      expect(ok(await owner.client.vaults.list()).vaults.map((v) => v.id)).to.include.members([vaultId, created.id]);
      const deleted = await owner.client.vaults.delete(created.id);
      expect(deleted).to.deep.include({ data: null, error: null });
      expect(deleted.meta.status).to.equal(204);
      expect((await owner.client.vaults.get(created.id)).error?.type).to.equal("not_found");
    });
  });

  describe("secrets", () => {
    const path = "api-keys/stripe live#1";

    it("sets and gets a value at a path with slashes and URL-special characters", async () => {
      const value = secretValue();
      const stored = ok(await owner.client.secrets.set(vaultId, path, value, { type: "api_key", metadata: { team: "pay" } }));
      expect(stored).to.include({ path, type: "api_key", version: 1 });
      expect(stored).to.not.have.property("value");
      const read = ok(await owner.client.secrets.get(vaultId, path));
      expect(read).to.include({ path, value, version: 1, type: "api_key" });
      expect(read.metadata).to.deep.equal({ team: "pay" });
    });

    it("lists metadata only, with and without a prefix, and describes without reading", async () => {
      await owner.client.secrets.set(vaultId, "db/password", secretValue(), { type: "password" });
      const all = ok(await owner.client.secrets.list(vaultId));
      expect(all.secrets.map((s) => s.path)).to.include.members([path, "db/password"]);
      const underDb = ok(await owner.client.secrets.list(vaultId, "db/"));
      expect(underDb.secrets.map((s) => s.path)).to.deep.equal(["db/password"]);
      const described = ok(await owner.client.secrets.describe(vaultId, "db/password"));
      expect(described).to.include({ path: "db/password", type: "password", version: 1 });
      for (const value of values) expect(JSON.stringify([all, underDb, described])).to.not.include(value);
      const missing = await owner.client.secrets.describe(vaultId, "db/pass");
      expect(missing.error?.type).to.equal("not_found");
      expect(missing.meta.status).to.equal(404);
    });

    it("rotates to a new version, lists versions and reads an old one", async () => {
      const first = ok(await owner.client.secrets.get(vaultId, path)).value;
      const next = secretValue();
      expect(ok(await owner.client.secrets.rotate(vaultId, path, next)).version).to.equal(2);
      expect(ok(await owner.client.secrets.get(vaultId, path))).to.include({ value: next, version: 2 });
      const versions = ok(await owner.client.secrets.listVersions(vaultId, path)).versions.map((v) => v.version);
      expect(versions).to.have.members([1, 2]);
      expect(ok(await owner.client.secrets.getVersion(vaultId, path, 1))).to.include({ value: first, version: 1 });
    });

    it("rotates on the server, disables a version, deletes and restores", async () => {
      const generated = ok(await owner.client.secrets.rotateGenerate(vaultId, path, { length: 24, charset: "alphanumeric" }));
      expect(generated.version).to.equal(3);
      const disabled = await owner.client.secrets.disableVersion(vaultId, path, 1);
      expect(disabled.meta.status).to.equal(204);
      expect((await owner.client.secrets.getVersion(vaultId, path, 1)).error?.type).to.equal("gone");
      expect((await owner.client.secrets.delete(vaultId, path)).meta.status).to.equal(204);
      expect((await owner.client.secrets.get(vaultId, path)).error?.type).to.equal("gone");
      expect(ok(await owner.client.secrets.restore(vaultId, path)).path).to.equal(path);
      expect(ok(await owner.client.secrets.get(vaultId, path)).version).to.equal(3);
    });
  });

  describe("agents", () => {
    it("creates, gets, lists, updates, rotates keys and deletes (humans), and reads itself (the agent)", async () => {
      const created = ok(await owner.client.agents.create({ name: "sdk-agent", description: "d", token_ttl_seconds: 300 }));
      expect(created.api_key).to.match(/^ocv_/);
      const id = created.agent.id;
      expect(ok(await owner.client.agents.get(id))).to.include({ name: "sdk-agent", token_ttl_seconds: 300 });
      expect(ok(await owner.client.agents.list()).agents.map((a) => a.id)).to.include(id);
      expect(ok(await owner.client.agents.update(id, { description: "updated", scopes: ["vault:read"] })))
        .to.include({ description: "updated" });

      const agent = createClient({ baseUrl: server.url, apiKey: created.api_key });
      expect(ok(await agent.agents.getSelf())).to.include({ id, name: "sdk-agent" });
      expect(agent.agentId).to.equal(id);

      const identity = ok(await owner.client.agents.get(id)).ssh_public_key;
      expect(ok(await owner.client.agents.rotateIdentityKeys(id)).ssh_public_key).to.not.equal(identity);
      const rotated = ok(await owner.client.agents.rotateKey(id)).api_key;
      expect(rotated).to.match(/^ocv_/).and.not.equal(created.api_key);
      const withOldKey = createClient({ baseUrl: server.url, apiKey: created.api_key });
      expect((await withOldKey.agents.getSelf()).error?.type).to.equal("auth_error");
      expect(ok(await createClient({ baseUrl: server.url, apiKey: rotated }).agents.getSelf()).id).to.equal(id);

      expect((await owner.client.agents.delete(id)).meta.status).to.equal(204);
      expect((await owner.client.agents.get(id)).error?.type).to.equal("not_found");
    });

    it("deletes several agents at once, naming those it could not", async () => {
      const ids = [ok(await owner.client.agents.create({ name: "batch-1" })).agent.id, ok(await owner.client.agents.create({ name: "batch-2" })).agent.id];
      const unknown = randomUUID();
      const answer = ok(await owner.client.agents.batchDelete([...ids, unknown]));
      expect(answer).to.deep.include({ deleted: 2, failed: 1 });
      expect(answer.errors.map((e) => e.id)).to.deep.equal([unknown]);
      expect((await owner.client.agents.get(ids[0])).error?.type).to.equal("not_found");
    });

    it("enrolls without credentials through the static AgentsResource.enroll", async () => {
      const answer = ok(await AgentsResource.enroll(server.url, { name: "self-enrolled", human_email: owner.email }));
      expect(answer.message).to.be.a("string");
      const mail = await lastMailTo(server, owner.email);
      expect(mail).to.include("self-enrolled");
    });
    // The Intents API's methods run against a local EVM node in transactions.http.spec.ts.
  });

  describe("access", () => {
    it("grants an agent and a human, lists, updates and revokes policies", async () => {
      const member = await memberOf(server, owner);
      const { agentId, apiKey } = await agentWithAccess(owner, vaultId, { pattern: "agents/**" });
      const agent = createClient({ baseUrl: server.url, apiKey });
      const value = secretValue();
      ok(await agent.secrets.set(vaultId, "agents/one", value));
      expect((await agent.secrets.get(vaultId, "db/password")).error?.type).to.equal("auth_error");

      const human = ok(await owner.client.access.grantHuman(vaultId, member.userId, ["read"], { path: "agents/*" }));
      expect(human).to.include({ principal_type: "user", principal_id: member.userId, secret_path_pattern: "agents/*" });
      expect(ok(await member.client.secrets.get(vaultId, "agents/one")).value).to.equal(value);

      const policies = ok(await owner.client.access.listGrants(vaultId)).policies;
      expect(policies.map((p) => p.principal_id)).to.include.members([agentId, member.userId]);
      const updated = ok(await owner.client.access.update(vaultId, human.id, { permissions: ["read", "write"] }));
      expect(updated.permissions).to.have.members(["read", "write"]);
      expect((await owner.client.access.revoke(vaultId, human.id)).meta.status).to.equal(204);
      expect((await member.client.secrets.get(vaultId, "agents/one")).error?.type).to.equal("auth_error");
    });
  });

  describe("sharing", () => {
    it("shares by link (read without credentials), with the agent's creator (accept, decline), lists and revokes", async () => {
      const value = secretValue();
      const secretId = ok(await owner.client.secrets.set(vaultId, "share/me", value)).id;
      const expires_at = new Date(Date.now() + 3_600_000).toISOString();

      const link = ok(await owner.client.sharing.create(secretId, { recipient_type: "anyone_with_link", expires_at, max_access_count: 2 }));
      const anonymous = createClient({ baseUrl: server.url });
      expect(ok(await anonymous.sharing.access(link.id))).to.include({ value, access_count: 1 });
      const withPassphrase = ok(await owner.client.sharing.create(secretId,
        { recipient_type: "anyone_with_link", expires_at, passphrase: "open sesame" }));
      expect((await anonymous.sharing.access(withPassphrase.id)).error?.type).to.equal("auth_error");
      expect(ok(await anonymous.sharing.access(withPassphrase.id, { passphrase: "open sesame" })).value).to.equal(value);

      const { apiKey } = await agentWithAccess(owner, vaultId, { pattern: "share/**" });
      const agent = createClient({ baseUrl: server.url, apiKey });
      const toCreator = ok(await agent.sharing.create(secretId, { recipient_type: "creator", expires_at }));
      const declined = ok(await agent.sharing.create(secretId, { recipient_type: "creator", expires_at }));
      const inbound = ok(await owner.client.sharing.listInbound()).shares.map((s) => s.id);
      expect(inbound).to.include.members([toCreator.id, declined.id]);
      expect(ok(await agent.sharing.listOutbound()).shares.map((s) => s.id)).to.include.members([toCreator.id, declined.id]);
      expect((await owner.client.sharing.accept(toCreator.id)).meta.status).to.equal(204);
      expect(ok(await owner.client.sharing.access(toCreator.id)).value).to.equal(value);
      expect((await owner.client.sharing.decline(declined.id)).meta.status).to.equal(204);
      expect((await owner.client.sharing.access(declined.id)).error).to.not.equal(null);
      expect((await owner.client.sharing.revoke(link.id)).meta.status).to.equal(204);
      expect((await anonymous.sharing.access(link.id)).error?.type).to.be.oneOf(["gone", "not_found"]);
    });
  });

  describe("audit", () => {
    it("queries the log with filters and verifies the chain", async () => {
      const events = ok(await owner.client.audit.query({ action: "secret.read", limit: 5 }));
      expect(events.count).to.be.within(1, 5);
      expect(events.events.every((e) => e.action === "secret.read")).to.equal(true);
      const windowed = ok(await owner.client.audit.query({ from: new Date(Date.now() - 3_600_000).toISOString(), offset: 1 }));
      expect(windowed.count).to.be.greaterThan(0);
      const verified = ok(await owner.client.audit.verify({ limit: 10_000 }));
      expect(verified.chain_valid).to.equal(true);
      for (const value of values) expect(JSON.stringify(events) + JSON.stringify(windowed)).to.not.include(value);
    });
  });

  describe("auth and API keys", () => {
    it("reads and updates the profile, changes the password, and logs out (the token then answers 401)", async () => {
      const member = await memberOf(server, owner);
      expect(ok(await member.client.auth.getMe())).to.include({ id: member.userId, role: "member" });
      expect(ok(await member.client.auth.updateMe({ display_name: "Renamed" })).display_name).to.equal("Renamed");
      expect((await member.client.auth.changePassword({ current_password: member.password, new_password: "a new password 1" })).meta.status)
        .to.equal(204);
      const fresh = createClient({ baseUrl: server.url });
      ok(await fresh.auth.login({ email: member.email, password: "a new password 1" }));
      expect((await fresh.auth.logout()).meta.status).to.equal(204);
      expect((await fresh.auth.getMe()).error?.type).to.equal("auth_error");
    });

    it("refreshes the session with the login's refresh token, and ends it on logout", async () => {
      const member = await memberOf(server, owner);
      const client = createClient({ baseUrl: server.url });
      const login = ok(await client.auth.login({ email: member.email, password: member.password }));
      expect(login.refresh_token).to.be.a("string");
      const refreshed = ok(await client.auth.refresh(login.refresh_token!));
      expect(refreshed.access_token).to.not.equal(login.access_token);
      expect(refreshed.refresh_token).to.be.a("string").and.not.equal(login.refresh_token);
      expect(ok(await client.auth.getMe()).id).to.equal(member.userId);
      expect((await client.auth.logout(refreshed.refresh_token)).meta.status).to.equal(204);
      expect((await client.auth.refresh(refreshed.refresh_token!)).error?.type).to.equal("auth_error");
    });

    it("logs in with MFA: login answers mfa_required, verifyMfa the token the client then uses", async () => {
      const member = await memberOf(server, owner);
      const token = (await member.client.auth.login({ email: member.email, password: member.password })).data!.access_token!;
      const setup = await server.request("POST", "/v1/auth/mfa/setup", { token });
      expect(setup.status).to.equal(200);
      const confirmed = await server.request("POST", "/v1/auth/mfa/verify-setup", { token, body: { code: codeFor(setup.body.secret, server.clock.now()) } });
      expect(confirmed.status).to.equal(200);
      const fresh = createClient({ baseUrl: server.url });
      const first = ok(await fresh.auth.login({ email: member.email, password: member.password }));
      expect(first.mfa_required).to.equal(true);
      expect((await fresh.auth.getMe()).error?.type).to.equal("auth_error");
      expect((await fresh.auth.verifyMfa({ mfa_token: first.mfa_token!, code: "000000" })).error?.type).to.equal("auth_error");
      const verified = ok(await fresh.auth.verifyMfa({ mfa_token: first.mfa_token!, code: codeFor(setup.body.secret, server.clock.now(), 1) }));
      expect(verified.token_type).to.equal("Bearer");
      expect(ok(await fresh.auth.getMe())).to.include({ id: member.userId, totp_enabled: true });
    });

    it("creates, lists and revokes personal keys; a 1ck_ key is exchanged at /v1/auth/api-key-token", async () => {
      const created = ok(await owner.client.apiKeys.create({ name: "ci" }));
      expect(created.api_key).to.match(/^1ck_/);
      expect(ok(await owner.client.apiKeys.list()).keys.map((k) => k.id)).to.include(created.key.id);
      const byKey = createClient({ baseUrl: server.url, apiKey: created.api_key });
      expect(ok(await byKey.auth.getMe()).id).to.equal(owner.userId);
      const explicit = createClient({ baseUrl: server.url });
      expect(ok(await explicit.auth.apiKeyToken({ api_key: created.api_key })).token_type).to.equal("Bearer");
      expect(ok(await explicit.vaults.list()).vaults.length).to.be.greaterThan(0);
      expect((await owner.client.apiKeys.revoke(created.key.id)).meta.status).to.equal(204);
      expect((await createClient({ baseUrl: server.url, apiKey: created.api_key }).auth.getMe()).error?.type).to.equal("auth_error");
    });

    it("exchanges an agent key explicitly with auth.agentToken and keeps using it", async () => {
      const { agentId, apiKey } = await agentWithAccess(owner, vaultId);
      const client = createClient({ baseUrl: server.url });
      const token = ok(await client.auth.agentToken({ agent_id: agentId, api_key: apiKey }));
      expect(token).to.include({ agent_id: agentId, token_type: "Bearer" });
      expect(token.vault_ids).to.deep.equal([vaultId]);
      expect(ok(await client.agents.getSelf()).id).to.equal(agentId);
    });
  });

  describe("org", () => {
    it("lists members, changes a role and removes a member", async () => {
      const member = await memberOf(server, owner);
      expect(ok(await owner.client.org.listMembers()).members.map((m) => m.id)).to.include.members([owner.userId, member.userId]);
      expect(ok(await owner.client.org.updateMemberRole(member.userId, "admin")).role).to.equal("admin");
      expect((await owner.client.org.removeMember(member.userId)).meta.status).to.equal(204);
      expect(ok(await owner.client.org.listMembers()).members.map((m) => m.id)).to.not.include(member.userId);
    });
  });

  describe("billing (issue 14; chains and transactions: test/sdk/transactions.http.spec.ts)", () => {
    it("read the billing routes the server serves (their shapes: test/billing/tiers.http.spec.ts)", async () => {
      const client: KeyledgerClient = owner.client;
      const answers = await Promise.all([client.billing.usage(), client.billing.history(10), client.billing.subscription(),
        client.billing.creditBalance(), client.billing.creditTransactions(), client.billing.setOverageMethod("credits")]);
      for (const answer of answers) expect(answer.meta.status, JSON.stringify(answer.error)).to.equal(200);
      expect(answers[5].data).to.deep.equal({ overage_method: "credits" });
    });
  });

  // Last (mocha runs a suite's own tests before its nested suites): after every value was written and read.
  describe("the server's log", () => {
    it("holds none of the values written or read", () => {
      const logs = server.logs();
      expect(logs.length).to.be.greaterThan(0);
      expect(values.length).to.be.greaterThan(4);
      for (const value of values) expect(logs).to.not.include(value);
    });
  });
});
