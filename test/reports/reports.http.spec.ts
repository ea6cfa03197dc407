/**
 * Reports over HTTP against the real server: secrets per vault and type, stale and soon-expiring secrets,
 * reads per reader per day. Secret facts are recorded straight into the log through the command bus.
 */
import { randomUUID } from "node:crypto";
import { expect } from "chai";
import { SecretDeleted, SecretValueRead, SecretVersionAdded, type SECRET_TYPES } from "../../events/secret.js";
import { VaultCreated, VaultDeleted } from "../../events/vault.js";
import { streamName } from "../../src/eventstore/port.js";
import { createUser, type TestUser } from "../support/identity.js";
import { startTestServer, type TestServer } from "../support/server.js";

const DAY = 86_400_000;
const sealed = { alg: "A256GCM+DEK-wrapped/v1" as const, kekId: "k", wrappedKey: "AA==", iv: "AA==", ciphertext: "AA==", tag: "AA==" };

describe("reports", function () {
  let server: TestServer;
  let owner: TestUser;
  let agentId: string;
  let agentToken: string;
  const vaults = [randomUUID(), randomUUID(), randomUUID()];
  const ids = { stripe: randomUUID(), github: randomUUID(), db: randomUUID(), gone: randomUUID(), inDeletedVault: randomUUID() };

  const record = (category: string, id: string, event: { type: string; data: Record<string, unknown> }) =>
    server.server.services.bus.record(streamName(category, id), [event],
      { metadata: { actor: { type: "user", id: owner.userId }, org_id: owner.orgId }, readYourWrites: true });
  const by = () => ({ type: "user" as const, id: owner.userId });
  const put = (vaultId: string, secretId: string, path: string, type: (typeof SECRET_TYPES)[number], version = 1,
    extra: Record<string, unknown> = {}) => record("secret", secretId, SecretVersionAdded.of({
    vault_id: vaultId, org_id: owner.orgId, secret_id: secretId, path, version, type, sealed, size: 1, written_by: by(), ...extra }));
  const read = (reader: { type: "user" | "agent"; id: string }) => record("secret_reads", ids.stripe, SecretValueRead.of({
    vault_id: vaults[0], org_id: owner.orgId, secret_id: ids.stripe, path: "api-keys/stripe", version: 2, reader }));
  const get = (path: string, token = owner.accessToken) => server.request("GET", path, { token });

  before(async function () {
    server = await startTestServer("reports");
    owner = await createUser(server);
    const agent = await server.request("POST", "/v1/agents", { token: owner.accessToken, body: { name: "reporter" } });
    agentId = agent.body.agent.id;
    agentToken = (await server.request("POST", "/v1/auth/agent-token", { body: { api_key: agent.body.api_key } })).body.access_token;
    for (const [i, vaultId] of vaults.entries()) {
      await record("vault", vaultId, VaultCreated.of({ vault_id: vaultId, org_id: owner.orgId, name: `v${i}-${vaultId}`,
        kek_id: `kek-${vaultId}`, created_by: by() }));
    }
    await put(vaults[0], ids.stripe, "api-keys/stripe", "api_key");
    await put(vaults[0], ids.stripe, "api-keys/stripe", "api_key", 2, { reason: "rotate" });
    await put(vaults[0], ids.github, "api-keys/github", "api_key", 1,
      { expires_at: new Date(Date.now() + 3 * DAY).toISOString() });
    await put(vaults[1], ids.db, "config/prod/db", "env_bundle", 1,
      { expires_at: new Date(Date.now() + 20 * DAY).toISOString() });
    await put(vaults[1], ids.gone, "old/thing", "password");
    await record("secret", ids.gone, SecretDeleted.of({ vault_id: vaults[1], org_id: owner.orgId, secret_id: ids.gone,
      path: "old/thing", deleted_by: by() }));
    await put(vaults[2], ids.inDeletedVault, "x", "note");
    await record("vault", vaults[2], VaultDeleted.of({ vault_id: vaults[2], org_id: owner.orgId, deleted_by: by(), kek_destroyed: true }));
    await read({ type: "agent", id: agentId });
    await read({ type: "agent", id: agentId });
    await read({ type: "user", id: owner.userId });
  });

  after(async () => {
    await server?.close();
  });

  it("counts living secrets per vault and type", async () => {
    const response = await get("/v1/reports/secrets-by-type");
    expect(response.status).to.equal(200);
    // Only this test's vaults: creating the agent also made the organisation's __agent-keys vault.
    expect(response.body.counts.filter((c: { vault_id: string }) => (vaults as string[]).includes(c.vault_id))).to.have.deep.members([
      { vault_id: vaults[0], type: "api_key", count: 2 },
      { vault_id: vaults[1], type: "env_bundle", count: 1 },
    ]);
  });

  it("lists secrets whose value has not changed in N days", async () => {
    const none = await get("/v1/reports/stale-secrets?days=1");
    expect(none.body).to.deep.equal({ days: 1, secrets: [] });
    const all = await get("/v1/reports/stale-secrets?days=0");
    const ours = all.body.secrets.filter((s: { vault_id: string }) => (vaults as string[]).includes(s.vault_id));
    expect(ours.map((s: { path: string }) => s.path)).to.have.members(
      ["api-keys/stripe", "api-keys/github", "config/prod/db"]);
    expect(all.body.secrets.find((s: { path: string }) => s.path === "api-keys/stripe")).to.include({ version: 2 });
  });

  it("lists secrets expiring within N days, soonest first", async () => {
    const week = await get("/v1/reports/expiring-secrets?days=7");
    expect(week.body.secrets.map((s: { secret_id: string }) => s.secret_id)).to.deep.equal([ids.github]);
    const month = await get("/v1/reports/expiring-secrets");
    expect(month.body.days).to.equal(30);
    expect(month.body.secrets.map((s: { secret_id: string }) => s.secret_id)).to.deep.equal([ids.github, ids.db]);
  });

  it("counts reads per reader per UTC day", async () => {
    const today = new Date().toISOString().slice(0, 10);
    const all = await get("/v1/reports/reads-per-day");
    expect(all.body.to).to.equal(today);
    expect(all.body.rows).to.have.deep.members([
      { reader_type: "agent", reader_id: agentId, day: today, reads: 2 },
      { reader_type: "user", reader_id: owner.userId, day: today, reads: 1 },
    ]);
    const agents = await get(`/v1/reports/reads-per-day?reader_type=agent&from=${today}&to=${today}`);
    expect(agents.body.rows).to.deep.equal([{ reader_type: "agent", reader_id: agentId, day: today, reads: 2 }]);
    const past = await get("/v1/reports/reads-per-day?from=2020-01-01&to=2020-12-31");
    expect(past.body.rows).to.deep.equal([]);
  });

  it("shows an organisation only its own secrets", async () => {
    const stranger = await createUser(server);
    expect((await get("/v1/reports/secrets-by-type", stranger.accessToken)).body).to.deep.equal({ counts: [] });
    expect((await get("/v1/reports/reads-per-day", stranger.accessToken)).body.rows).to.deep.equal([]);
  });

  it("is for signed-in humans only (401, 403 for agents)", async () => {
    for (const report of ["secrets-by-type", "stale-secrets", "expiring-secrets", "reads-per-day"]) {
      expect((await server.request("GET", `/v1/reports/${report}`)).status, report).to.equal(401);
      expect((await get(`/v1/reports/${report}`, agentToken)).status, report).to.equal(403);
    }
  });

  it("documents its routes in /openapi.json", async () => {
    const { body } = await server.request("GET", "/openapi.json");
    for (const report of ["secrets-by-type", "stale-secrets", "expiring-secrets", "reads-per-day"]) {
      expect(body.paths[`/v1/reports/${report}`]?.get, report).to.be.an("object");
    }
  });

  it("answers 400 for malformed parameters", async () => {
    for (const path of ["/v1/reports/stale-secrets?days=-1", "/v1/reports/stale-secrets?days=many",
      "/v1/reports/expiring-secrets?days=1.5", "/v1/reports/reads-per-day?from=2026-02-30",
      "/v1/reports/reads-per-day?from=yesterday", "/v1/reports/reads-per-day?from=2026-02-02&to=2026-02-01",
      "/v1/reports/reads-per-day?reader_type=robot"]) {
      const response = await get(path);
      expect(response.status, path).to.equal(400);
      expect(response.body).to.include({ status: 400 });
    }
  });
});
