/**
 * Time travel over HTTP against the real server: who could read a secret at T, who did read it, and the
 * secret as of T. Vault, policy and secret facts are recorded straight into the log through the command
 * bus (the facts the vault, policy and secret routes write), so every instant asked about is known exactly;
 * agents are made and deactivated over HTTP.
 */
import { randomUUID } from "node:crypto";
import { expect } from "chai";
import { OrgMemberRemoved } from "../../events/org.js";
import { PolicyCreated, PolicyDeleted, PolicyUpdated } from "../../events/policy.js";
import { UserRegistered } from "../../events/user.js";
import { SecretDeleted, SecretValueRead, SecretVersionAdded } from "../../events/secret.js";
import { VaultCreated, VaultDeleted } from "../../events/vault.js";
import { streamName } from "../../src/eventstore/port.js";
import { sealValue } from "../../src/keys/envelope.js";
import { createUser, type TestUser } from "../support/identity.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { storedEventTexts } from "../support/events.js";

describe("time travel (history routes)", function () {
  let server: TestServer;
  let owner: TestUser;
  let agentA: string;
  let agentB: string;
  let agentC: string;
  let agentToken: string;
  const vaultId = randomUUID();
  const kekId = `kek-${vaultId}`;
  const plaintext = `tt-plaintext-${randomUUID()}`;
  const p = { p1: randomUUID(), p2: randomUUID(), p3: randomUUID(), p4: randomUUID(), p5: randomUUID(), p6: randomUUID(),
    p7: randomUUID(), p8: randomUUID() };
  const member = randomUUID();
  const times: Record<string, Date> = {};
  /** An instant strictly after everything recorded so far and strictly before anything recorded next. */
  const instant = async (): Promise<Date> => {
    const at = server.clock.advance(1000);
    server.clock.advance(1000);
    return at;
  };
  /** `hours` from now on the server's clock. */
  const hoursAhead = (hours: number) => new Date(server.clock.now().getTime() + hours * 3600_000);

  const record = async (category: string, id: string, event: { type: string; data: Record<string, unknown> }) => {
    await server.server.services.bus.record(streamName(category, id), [event],
      { metadata: { actor: { type: "user", id: owner.userId }, org_id: owner.orgId }, readYourWrites: true });
  };
  const asOwner = { get token() { return owner.accessToken; } };
  const get = (path: string, token = asOwner.token) => server.request("GET", path, { token });
  const accessAt = async (path: string, at: Date) => {
    const response = await get(`/v1/vaults/${vaultId}/access-at/${path}?at=${at.toISOString()}`);
    expect(response.status, JSON.stringify(response.body)).to.equal(200);
    return (response.body.principals as Array<{ principal_id: string; via: string; policy_id?: string; ip_allowlist?: string[] }>)
      .map((x) => `${x.principal_id}:${x.policy_id ?? x.via}${x.ip_allowlist ? `@${x.ip_allowlist.join(",")}` : ""}`).sort();
  };
  const policy = (id: string, principalId: string, pattern: string, extra: Record<string, unknown> = {}) =>
    PolicyCreated.of({ policy_id: id, vault_id: vaultId, org_id: owner.orgId, secret_path_pattern: pattern,
      principal_type: "agent", principal_id: principalId, permissions: ["read"],
      created_by: { type: "user", id: owner.userId }, ...extra });
  const secretId = randomUUID();
  const otherSecretId = randomUUID();
  const addVersion = async (id: string, path: string, version: number, extra: Record<string, unknown> = {}) => {
    const sealed = await sealValue(server.server.keys, { kekId, vaultId, secretId: id, version }, new TextEncoder().encode(plaintext));
    await record("secret", id, SecretVersionAdded.of({ vault_id: vaultId, org_id: owner.orgId, secret_id: id, path, version,
      type: "api_key", sealed, size: plaintext.length, written_by: { type: "user", id: owner.userId }, ...extra }));
  };
  const read = (reader: { type: "user" | "agent"; id: string }, policyId?: string) => record("secret_reads", secretId,
    SecretValueRead.of({ vault_id: vaultId, org_id: owner.orgId, secret_id: secretId, path: "api-keys/stripe", version: 2,
      reader, ...(policyId && { policy_id: policyId }) }));

  before(async function () {
    server = await startTestServer("history");
    owner = await createUser(server);
    const made = [];
    for (const name of ["agent-a", "agent-b", "agent-c"]) {
      const response = await server.request("POST", "/v1/agents", { token: owner.accessToken, body: { name } });
      expect(response.status, JSON.stringify(response.body)).to.equal(201);
      made.push(response.body);
    }
    [agentA, agentB, agentC] = made.map((m) => m.agent.id);
    const exchanged = await server.request("POST", "/v1/auth/agent-token", { body: { api_key: made[0].api_key } });
    agentToken = exchanged.body.access_token;
    await server.server.keys.createKek(kekId);

    await record("vault", vaultId, VaultCreated.of({ vault_id: vaultId, org_id: owner.orgId, name: `v-${vaultId}`, kek_id: kekId,
      created_by: { type: "user", id: owner.userId } }));
    times.vaultOnly = await instant();
    await record("policy", p.p1, policy(p.p1, agentA, "api-keys/*"));
    await record("policy", p.p2, policy(p.p2, agentB, "**"));
    await record("policy", p.p3, policy(p.p3, agentB, "api-keys/stripe", { effect: "deny" }));
    await record("policy", p.p4, policy(p.p4, agentA, "config/**", { conditions: { ip_allowlist: ["10.0.0.0/8"] } }));
    await record("policy", p.p5, policy(p.p5, agentA, "certs/**",
      { expires_at: hoursAhead(1).toISOString() }));
    times.policies = await instant();
    await record("policy", p.p1, PolicyUpdated.of({ policy_id: p.p1, vault_id: vaultId, org_id: owner.orgId,
      permissions: ["write"], updated_by: { type: "user", id: owner.userId } }));
    times.p1WriteOnly = await instant();
    const deactivated = await server.request("PATCH", `/v1/agents/${agentB}`, { token: owner.accessToken, body: { is_active: false } });
    expect(deactivated.status, JSON.stringify(deactivated.body)).to.equal(200);
    times.bInactive = await instant();
    await record("policy", p.p4, PolicyDeleted.of({ policy_id: p.p4, vault_id: vaultId, org_id: owner.orgId,
      deleted_by: { type: "user", id: owner.userId } }));
    times.p4Deleted = await instant();

    // Agents' own bounds: explicit scopes, then vault_ids.
    await record("policy", p.p6, policy(p.p6, agentA, "config/**"));
    const scoped = await server.request("PATCH", `/v1/agents/${agentA}`, { token: owner.accessToken, body: { scopes: ["certs/**"] } });
    expect(scoped.status, JSON.stringify(scoped.body)).to.equal(200);
    times.scoped = await instant();
    const unbound = await server.request("PATCH", `/v1/agents/${agentA}`,
      { token: owner.accessToken, body: { vault_ids: [randomUUID()] } });
    expect(unbound.status, JSON.stringify(unbound.body)).to.equal(200);
    times.unbound = await instant();
    // A human member (registered as the signup flow records it), granted, then removed from the organisation.
    await record("user", member, UserRegistered.of({ user_id: member, org_id: owner.orgId, email: `${member}@example.test`,
      display_name: "member", auth_method: "password", role: "member" }));
    await record("policy", p.p7, policy(p.p7, member, "notes/**", { principal_type: "user" }));
    // A time window that excludes now (and the instants above), two to three hours ahead, every day.
    const hhmm = (offsetHours: number) => hoursAhead(offsetHours).toISOString().slice(11, 16);
    await record("policy", p.p8, policy(p.p8, agentC, "notes/**",
      { conditions: { time_windows: [{ start: hhmm(2), end: hhmm(3) }] } }));
    times.member = await instant();
    const expiring = await server.request("PATCH", `/v1/agents/${agentC}`,
      { token: owner.accessToken, body: { expires_at: hoursAhead(5).toISOString() } });
    expect(expiring.status, JSON.stringify(expiring.body)).to.equal(200);
    await record("org", owner.orgId, OrgMemberRemoved.of({ user_id: member }));
    times.memberRemoved = await instant();

    await addVersion(secretId, "api-keys/stripe", 1, { metadata: { env: "test" } });
    times.v1 = await instant();
    await addVersion(secretId, "api-keys/stripe", 2, { metadata: { env: "prod" }, max_access_count: 10 });
    times.v2 = await instant();
    await addVersion(otherSecretId, "config/prod/db", 1,
      { type: "env_bundle", expires_at: hoursAhead(48).toISOString() });
    await read({ type: "agent", id: agentA }, p.p1);
    await read({ type: "agent", id: agentA }, p.p1);
    await read({ type: "user", id: owner.userId });
    times.reads = await instant();
    await record("secret", secretId, SecretDeleted.of({ vault_id: vaultId, org_id: owner.orgId, secret_id: secretId,
      path: "api-keys/stripe", deleted_by: { type: "user", id: owner.userId } }));
    times.deleted = await instant();
  });

  after(async () => {
    await server?.close();
  });

  describe("who could read at T", () => {
    it("before any policy: only the vault's creator", async () => {
      expect(await accessAt("api-keys/stripe", times.vaultOnly)).to.deep.equal([`${owner.userId}:creator`]);
    });

    it("weighs globs, deny-wins and IP allowlists as they stood at T", async () => {
      expect(await accessAt("api-keys/stripe", times.policies)).to.deep.equal(
        [`${agentA}:${p.p1}`, `${owner.userId}:creator`].sort());
      expect(await accessAt("api-keys/a/b", times.policies)).to.deep.equal(
        [`${agentB}:${p.p2}`, `${owner.userId}:creator`].sort());
      expect(await accessAt("config/prod/db", times.policies)).to.deep.equal(
        [`${agentA}:${p.p4}@10.0.0.0/8`, `${agentB}:${p.p2}`, `${owner.userId}:creator`].sort());
    });

    it("takes percent-encoded paths", async () => {
      expect(await accessAt("api-keys%2Fstripe", times.policies)).to.deep.equal(
        [`${agentA}:${p.p1}`, `${owner.userId}:creator`].sort());
    });

    it("follows policy updates, agent deactivation and policy deletion, keeping the past", async () => {
      expect(await accessAt("api-keys/stripe", times.p1WriteOnly)).to.deep.equal([`${owner.userId}:creator`]);
      expect(await accessAt("config/prod/db", times.bInactive)).to.deep.equal(
        [`${agentA}:${p.p4}@10.0.0.0/8`, `${owner.userId}:creator`].sort());
      expect(await accessAt("config/prod/db", times.p4Deleted)).to.deep.equal([`${owner.userId}:creator`]);
      expect(await accessAt("api-keys/stripe", times.policies)).to.include(`${agentA}:${p.p1}`);
    });

    it("bounds agents by their scopes and vault_ids as they stood at T", async () => {
      expect(await accessAt("config/prod/db", times.scoped)).to.deep.equal([`${owner.userId}:creator`]);
      expect(await accessAt("certs/web", times.scoped)).to.include(`${agentA}:${p.p5}`);
      expect(await accessAt("certs/web", times.unbound)).to.deep.equal([`${owner.userId}:creator`]);
    });

    it("drops a user removed from the organisation", async () => {
      expect(await accessAt("notes/x", times.member)).to.deep.equal([`${member}:${p.p7}`, `${owner.userId}:creator`].sort());
      expect(await accessAt("notes/x", times.memberRemoved)).to.deep.equal([`${owner.userId}:creator`]);
    });

    it("evaluates time windows at T", async () => {
      expect(await accessAt("notes/x", times.memberRemoved)).to.deep.equal([`${owner.userId}:creator`]);
      expect(await accessAt("notes/x", hoursAhead(2.5))).to.deep.equal(
        [`${agentC}:${p.p8}`, `${owner.userId}:creator`].sort());
    });

    it("drops an agent past its expires_at", async () => {
      // The same time window the next day: agent C expired in between.
      expect(await accessAt("notes/x", hoursAhead(26.5))).to.deep.equal([`${owner.userId}:creator`]);
    });

    it("ends a grant at the policy's expiry", async () => {
      expect(await accessAt("certs/web", times.p4Deleted)).to.include(`${agentA}:${p.p5}`);
      expect(await accessAt("certs/web", hoursAhead(2))).to.deep.equal([`${owner.userId}:creator`]);
    });

    it("reports the period of the grant", async () => {
      const response = await get(`/v1/vaults/${vaultId}/access-at/api-keys/stripe?at=${times.policies.toISOString()}`);
      const grant = response.body.principals.find((x: { principal_id: string }) => x.principal_id === agentA);
      expect(new Date(grant.valid_from) < times.policies).to.equal(true);
      expect(new Date(grant.valid_to) > times.policies && new Date(grant.valid_to) < times.p1WriteOnly).to.equal(true);
    });
  });

  describe("secret as of T and who read it", () => {
    it("shows the version and metadata that stood at T, never a value", async () => {
      const v1 = await get(`/v1/vaults/${vaultId}/secret-as-of/api-keys/stripe?at=${times.v1.toISOString()}`);
      expect(v1.status).to.equal(200);
      expect(v1.body).to.include({ secret_id: secretId, version: 1, deleted: false, type: "api_key" });
      expect(v1.body.metadata).to.deep.equal({ env: "test" });
      const v2 = await get(`/v1/vaults/${vaultId}/secret-as-of/api-keys/stripe?at=${times.v2.toISOString()}`);
      expect(v2.body).to.include({ version: 2, max_access_count: 10, deleted: false });
      const gone = await get(`/v1/vaults/${vaultId}/secret-as-of/api-keys/stripe?at=${times.deleted.toISOString()}`);
      expect(gone.body).to.include({ version: 2, deleted: true });
      expect(JSON.stringify([v1.body, v2.body, gone.body])).not.to.include(plaintext);
    });

    it("answers 404 before the secret existed", async () => {
      const response = await get(`/v1/vaults/${vaultId}/secret-as-of/api-keys/stripe?at=${times.vaultOnly.toISOString()}`);
      expect(response.status).to.equal(404);
      expect(response.body).to.include({ status: 404 });
    });

    it("lists the reads in [from, to), paged, with the total", async () => {
      const base = `/v1/vaults/${vaultId}/reads/api-keys/stripe`;
      const all = await get(`${base}?from=${times.v2.toISOString()}&to=${times.reads.toISOString()}`);
      expect(all.status).to.equal(200);
      expect(all.body.count).to.equal(3);
      expect(all.body.reads.map((r: { reader_id: string }) => r.reader_id)).to.deep.equal([agentA, agentA, owner.userId]);
      expect(all.body.reads[0]).to.include({ reader_type: "agent", policy_id: p.p1, version: 2 });
      const page = await get(`${base}?from=${times.v2.toISOString()}&to=${times.reads.toISOString()}&limit=1&offset=2`);
      expect(page.body.count).to.equal(3);
      expect(page.body.reads).to.have.length(1);
      expect(page.body.reads[0]).to.include({ reader_type: "user", reader_id: owner.userId, policy_id: null });
      const before = await get(`${base}?from=${times.vaultOnly.toISOString()}&to=${times.v2.toISOString()}`);
      expect(before.body).to.include({ count: 0 });
    });
  });

  it("documents its routes in /openapi.json", async () => {
    const { body } = await server.request("GET", "/openapi.json");
    for (const path of ["access-at", "reads", "secret-as-of"]) {
      expect(body.paths[`/v1/vaults/{vault_id}/${path}/{path}`]?.get, path).to.be.an("object");
    }
  });

  describe("refusals", () => {
    it("needs a token (401) and a human (403)", async () => {
      expect((await server.request("GET", `/v1/vaults/${vaultId}/access-at/a`)).status).to.equal(401);
      for (const route of ["access-at", "reads", "secret-as-of"]) {
        const response = await get(`/v1/vaults/${vaultId}/${route}/a?at=${server.clock.now().toISOString()}`, agentToken);
        expect(response.status, route).to.equal(403);
      }
    });

    it("hides other organisations' vaults and unknown ones (404)", async () => {
      const stranger = await createUser(server);
      expect((await get(`/v1/vaults/${vaultId}/access-at/a`, stranger.accessToken)).status).to.equal(404);
      expect((await get(`/v1/vaults/${randomUUID()}/reads/a`)).status).to.equal(404);
      expect((await get(`/v1/vaults/not-a-uuid/reads/a`)).status).to.equal(404);
    });

    it("answers 400 for malformed times, paths and ranges", async () => {
      const cases = [
        `/v1/vaults/${vaultId}/access-at/a?at=yesterday`,
        `/v1/vaults/${vaultId}/access-at/a%2F%2Fb`,
        `/v1/vaults/${vaultId}/access-at/a%2F..%2Fb`,
        `/v1/vaults/${vaultId}/secret-as-of/a`,
        `/v1/vaults/${vaultId}/reads/a?from=${times.reads.toISOString()}&to=${times.v1.toISOString()}`,
        `/v1/vaults/${vaultId}/reads/a?limit=0`,
        `/v1/vaults/${vaultId}/reads/a?offset=-1`,
      ];
      for (const path of cases) {
        const response = await get(path);
        expect(response.status, path).to.equal(400);
        expect(response.body).to.include({ status: 400 });
      }
    });
  });

  describe("after the vault's deletion", () => {
    before(async () => {
      await record("vault", vaultId, VaultDeleted.of({ vault_id: vaultId, org_id: owner.orgId,
        deleted_by: { type: "user", id: owner.userId }, kek_destroyed: true }));
      times.vaultDeleted = await instant();
    });

    it("nobody could read, the past is kept, and its secrets show as deleted", async () => {
      expect(await accessAt("config/prod/db", times.vaultDeleted)).to.deep.equal([]);
      expect(await accessAt("config/prod/db", times.policies)).to.include(`${owner.userId}:creator`);
      const other = await get(`/v1/vaults/${vaultId}/secret-as-of/config/prod/db?at=${times.vaultDeleted.toISOString()}`);
      expect(other.body).to.include({ deleted: true, type: "env_bundle" });
    });

    it("leaves no plaintext in its read models or the logs", async () => {
      for (const table of ["access_grants", "access_policy_targets", "principal_periods", "secret_history",
        "secret_version_disables", "secret_reads", "secret_inventory", "daily_reads"]) {
        const { rows } = await server.server.db.query<{ row: string }>(`select t::text as row from ${table} t`);
        expect(rows.some((r) => r.row.includes(plaintext)), table).to.equal(false);
      }
      expect((await storedEventTexts(server.server.store)).some((text) => text.includes(plaintext))).to.equal(false);
      expect(server.logs()).not.to.include(plaintext);
    });
  });
});
