/**
 * Compliance replay: every read model rebuilt from the log equals the live one (with the server running),
 * a tampered read-model row is found, and the CLI prints a verdict with a progress bar.
 */
import { randomUUID } from "node:crypto";
import { PassThrough } from "node:stream";
import { expect } from "chai";
import { PolicyCreated, PolicyUpdated } from "../../events/policy.js";
import { SecretValueRead, SecretVersionAdded } from "../../events/secret.js";
import { VaultCreated } from "../../events/vault.js";
import { allProjections } from "../../projections/index.js";
import { replayCommand } from "../../src/cli/replay.js";
import { streamName } from "../../src/eventstore/port.js";
import { replayAndCompare } from "../../src/history/replay.js";
import { liveGeneration, generationSchema } from "../../src/projection-runner/catalog.js";
import { createUser, type TestUser } from "../support/identity.js";
import { startTestServer, type TestServer } from "../support/server.js";

const sealed = { alg: "A256GCM+DEK-wrapped/v1" as const, kekId: "k", wrappedKey: "AA==", iv: "AA==", ciphertext: "AA==", tag: "AA==" };

function collect(): { stream: PassThrough; text(): string } {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (chunk) => (text += chunk));
  return { stream, text: () => text };
}

describe("compliance replay", function () {
  let server: TestServer;
  let owner: TestUser;

  before(async function () {
    server = await startTestServer("replay");
    owner = await createUser(server);
    const agent = await server.request("POST", "/v1/agents", { token: owner.accessToken, body: { name: "replayed" } });
    await server.request("PATCH", `/v1/agents/${agent.body.agent.id}`, { token: owner.accessToken, body: { is_active: false } });
    const record = (category: string, id: string, event: { type: string; data: Record<string, unknown> }) =>
      server.server.services.bus.record(streamName(category, id), [event],
        { metadata: { actor: { type: "user", id: owner.userId }, org_id: owner.orgId }, readYourWrites: true });
    const by = { type: "user" as const, id: owner.userId };
    const vaultId = randomUUID();
    const policyId = randomUUID();
    const secretId = randomUUID();
    await record("vault", vaultId, VaultCreated.of({ vault_id: vaultId, org_id: owner.orgId, name: "replayed", kek_id: "k", created_by: by }));
    await record("policy", policyId, PolicyCreated.of({ policy_id: policyId, vault_id: vaultId, org_id: owner.orgId,
      secret_path_pattern: "**", principal_type: "agent", principal_id: agent.body.agent.id, permissions: ["read"], created_by: by }));
    await record("policy", policyId, PolicyUpdated.of({ policy_id: policyId, vault_id: vaultId, org_id: owner.orgId,
      permissions: ["read", "write"], updated_by: by }));
    await record("secret", secretId, SecretVersionAdded.of({ vault_id: vaultId, org_id: owner.orgId, secret_id: secretId,
      path: "a/b", version: 1, type: "note", sealed, size: 1, metadata: { k: "v" }, written_by: by }));
    await record("secret_reads", secretId, SecretValueRead.of({ vault_id: vaultId, org_id: owner.orgId, secret_id: secretId,
      path: "a/b", version: 1, reader: by }));
  });

  after(async () => {
    await server?.close();
  });

  it("finds every read model equal to its replay while the server runs", async () => {
    const report = await replayAndCompare({ db: server.server.db, store: server.server.store, projections: allProjections });
    const different = report.projections.filter((p) => !p.equal);
    expect(different, JSON.stringify(different)).to.deep.equal([]);
    expect(report.equal).to.equal(true);
    expect(report.events).to.be.greaterThan(0);
    const grants = report.projections.find((p) => p.name === "access_intervals")!.tables.find((t) => t.table === "access_grants")!;
    // Two policy periods, and the implicit grants of two vault creators: this one and the __agent-keys vault's.
    expect(grants).to.include({ liveRows: 4, replayRows: 4 });
    const { rows } = await server.server.db.query<{ n: string | number }>(
      `select count(*) as n from information_schema.schemata where schema_name like 'replay\\_%'`);
    expect(Number(rows[0].n)).to.equal(0);
  });

  it("names the read model and table whose rows the log does not account for", async () => {
    const live = (await liveGeneration(server.server.db, "access_intervals"))!;
    await server.server.db.query(
      `update ${generationSchema("access_intervals", live.generation)}.access_grants set can_write = not can_write
        where policy_id is null`);
    const report = await replayAndCompare({ db: server.server.db, store: server.server.store, projections: allProjections });
    expect(report.equal).to.equal(false);
    const bad = report.projections.filter((p) => !p.equal);
    expect(bad.map((p) => p.name)).to.deep.equal(["access_intervals"]);
    // Both creators' grants were altered (this vault's and the __agent-keys vault's).
    expect(bad[0].tables.find((t) => t.table === "access_grants")).to.include({ onlyLive: 2, onlyReplay: 2 });
  });

  it("`keyledger replay` prints a verdict per read model, with a progress bar", async () => {
    // The embedded database admits one process: the CLI runs once the server is gone (on PostgreSQL too, for symmetry).
    await server.server.close();
    const out = collect();
    const progress = collect();
    const report = await replayCommand(server.config, { out: out.stream, progress: progress.stream });
    expect(report.equal).to.equal(false);
    expect(out.text()).to.match(/access_intervals\s+DIFFERENT/);
    expect(out.text()).to.match(/secret_history\s+EQUAL/);
    expect(out.text()).to.include("MISMATCH");
    expect(progress.text()).to.include("replaying the log");
  });
});
