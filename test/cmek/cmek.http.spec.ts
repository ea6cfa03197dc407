/**
 * Customer-managed keys over HTTP against the real server (issue 14, CMEK): enable, write and read client-side
 * encrypted values, rotate to a new key in batches (and every refusal before anything changes), disable; the
 * tier and role gate; then a scan showing neither customer key in any table, event or log line.
 */
import { expect } from "chai";
import { randomUUID } from "node:crypto";
import {
  cmekFingerprint, decryptCmekText, encryptCmek, generateCmekKey, CmekDecryptionFailed,
} from "../../src/sdk/cmek.js";
import { toBase64 } from "../../src/sdk/cmek.js";
import { createUser, type TestUser } from "../support/identity.js";
import { registerUser } from "../../src/humans/register.js";
import { hashPassword } from "../../src/humans/passwords.js";
import { markEventLog, storedEventTexts } from "../support/events.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { loadConfig } from "../../src/config.js";
import { keyTraces, tableTexts } from "./scan.js";
import { CmekRotationRunner } from "../../src/cmek/rotation.js";

async function expectUnreadableWith(key: Uint8Array, blob: string): Promise<void> {
  const error = await decryptCmekText(key, blob).then(() => undefined, (e: unknown) => e);
  expect(error).to.be.instanceOf(CmekDecryptionFailed);
}

describe("customer-managed keys over HTTP", function () {
  let server: TestServer;
  let owner: TestUser;
  let stranger: TestUser;
  const oldKey = generateCmekKey();
  const newKey = generateCmekKey();
  let oldFingerprint: string;
  let newFingerprint: string;

  before(async () => {
    // Batches pause a moment: the job is seen running between them.
    server = await startTestServer("cmek-http", { cmekBatchPauseMs: 50 });
    [owner, stranger] = await Promise.all([createUser(server), createUser(server)]);
    [oldFingerprint, newFingerprint] = await Promise.all([cmekFingerprint(oldKey), cmekFingerprint(newKey)]);
  });
  after(() => server?.close());

  const as = (user: TestUser) => ({
    get: (path: string) => server.request("GET", path, { token: user.accessToken }),
    put: (path: string, body: unknown) => server.request("PUT", path, { token: user.accessToken, body }),
    post: (path: string, body?: unknown, headers?: Record<string, string>) =>
      server.request("POST", path, { token: user.accessToken, body, headers }),
    del: (path: string) => server.request("DELETE", path, { token: user.accessToken }),
  });

  async function newVault(): Promise<string> {
    const created = await as(owner).post("/v1/vaults", { name: `cmek-${randomUUID()}` });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    return created.body.id;
  }

  const rotationHeaders = (from: Uint8Array, to: Uint8Array) => ({ "x-cmek-old-key": toBase64(from), "x-cmek-new-key": toBase64(to) });

  async function waitForJob(vaultId: string, jobId: string, until: (job: any) => boolean): Promise<any> {
    for (let i = 0; i < 600; i++) {
      const job = await as(owner).get(`/v1/vaults/${vaultId}/cmek-rotate/${jobId}`);
      expect(job.status, JSON.stringify(job.body)).to.equal(200);
      if (until(job.body)) return job.body;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error("the rotation job did not reach the expected state");
  }

  it("enables CMEK by fingerprint, and refuses a malformed one", async () => {
    const vaultId = await newVault();
    for (const fingerprint of ["abc", oldFingerprint.toUpperCase(), `${oldFingerprint}0`]) {
      const refused = await as(owner).post(`/v1/vaults/${vaultId}/cmek`, { fingerprint });
      expect(refused.status, fingerprint).to.equal(400);
      expect(refused.body.type).to.be.a("string");
    }
    const enabled = await as(owner).post(`/v1/vaults/${vaultId}/cmek`, { fingerprint: oldFingerprint });
    expect(enabled.status, JSON.stringify(enabled.body)).to.equal(200);
    expect(enabled.body).to.include({ id: vaultId, cmek_enabled: true, cmek_fingerprint: oldFingerprint });
    expect((await as(owner).get(`/v1/vaults/${vaultId}`)).body).to.include({ cmek_enabled: true, cmek_fingerprint: oldFingerprint });
    // The same key again changes nothing; another key must go through a rotation.
    expect((await as(owner).post(`/v1/vaults/${vaultId}/cmek`, { fingerprint: oldFingerprint })).status).to.equal(200);
    expect((await as(owner).post(`/v1/vaults/${vaultId}/cmek`, { fingerprint: newFingerprint })).status).to.equal(409);
  });

  it("keeps CMEK to the organisation's owners and admins (another organisation does not see the vault)", async () => {
    const vaultId = await newVault();
    expect((await as(stranger).post(`/v1/vaults/${vaultId}/cmek`, { fingerprint: oldFingerprint })).status).to.equal(404);
    expect((await as(stranger).del(`/v1/vaults/${vaultId}/cmek`)).status).to.equal(404);
  });

  it("lets admins manage CMEK, and refuses members and agents with 403", async () => {
    const vaultId = await newVault();
    const join = async (role: "admin" | "member") => {
      const email = `${role}-${randomUUID()}@example.test`;
      const password = `${role} password ${randomUUID()}`;
      await registerUser(server.server.services.bus, {
        email, authMethod: "password", passwordHash: await hashPassword(password), join: { orgId: owner.orgId, role },
      }, { actor: { type: "user", id: owner.userId } });
      return (await server.request("POST", "/v1/auth/token", { body: { email, password } })).body.access_token as string;
    };
    const [admin, member] = [await join("admin"), await join("member")];
    const agent = await server.request("POST", "/v1/agents", { token: owner.accessToken, body: { name: "cmek-bot" } });
    expect(agent.status).to.equal(201);
    const body = { fingerprint: oldFingerprint };
    for (const token of [member, agent.body.api_key as string]) {
      const refused = await server.request("POST", `/v1/vaults/${vaultId}/cmek`, { token, body });
      expect(refused.status, JSON.stringify(refused.body)).to.equal(403);
      expect(refused.body.detail).to.include("owners and admins");
      expect((await server.request("POST", `/v1/vaults/${vaultId}/cmek-rotate`, { token, body: { new_fingerprint: newFingerprint },
        headers: rotationHeaders(oldKey, newKey) })).status).to.equal(403);
    }
    const byAdmin = await server.request("POST", `/v1/vaults/${vaultId}/cmek`, { token: admin, body });
    expect(byAdmin.status).to.equal(200);
    expect(byAdmin.body.cmek_enabled).to.equal(true);
  });

  it("stores the client's blob opaquely with cmek_encrypted and the fingerprint in force; reads give it back", async () => {
    const vaultId = await newVault();
    await as(owner).post(`/v1/vaults/${vaultId}/cmek`, { fingerprint: oldFingerprint });
    const blob = await encryptCmek(oldKey, "sk_live_cmek_value");
    const put = await as(owner).put(`/v1/vaults/${vaultId}/secrets/stripe/key`, { value: blob });
    expect(put.status, JSON.stringify(put.body)).to.equal(201);
    expect(put.body).to.include({ cmek_encrypted: true, cmek_fingerprint: oldFingerprint });
    const read = await as(owner).get(`/v1/vaults/${vaultId}/secrets/stripe/key`);
    expect(read.status).to.equal(200);
    expect(read.body).to.include({ value: blob, cmek_encrypted: true, cmek_fingerprint: oldFingerprint });
    expect(await decryptCmekText(oldKey, read.body.value)).to.equal("sk_live_cmek_value");
    // The server cannot make up a value it would hold in the clear.
    expect((await as(owner).post(`/v1/vaults/${vaultId}/secret-rotate/stripe/key`, {})).status).to.equal(409);
  });

  it("rotates every version of every secret to the new key in batches of 100, and completes", async () => {
    const vaultId = await newVault();
    await as(owner).post(`/v1/vaults/${vaultId}/cmek`, { fingerprint: oldFingerprint });
    const plaintexts = new Map<string, string[]>();
    for (let i = 0; i < 130; i++) {
      const path = `app/key-${i}`;
      const values = i % 40 === 0 ? [`v1-${i}`, `v2-${i}`] : [`v1-${i}`];
      for (const value of values) {
        expect((await as(owner).put(`/v1/vaults/${vaultId}/secrets/${path}`, { value: await encryptCmek(oldKey, value) })).status).to.equal(201);
      }
      plaintexts.set(path, values);
    }

    const started = await as(owner).post(`/v1/vaults/${vaultId}/cmek-rotate`, { new_fingerprint: newFingerprint },
      rotationHeaders(oldKey, newKey));
    expect(started.status, JSON.stringify(started.body)).to.equal(202);
    expect(started.headers.get("location")).to.equal(`/v1/vaults/${vaultId}/cmek-rotate/${started.body.id}`);
    expect(started.body).to.include({ vault_id: vaultId, old_fingerprint: oldFingerprint, new_fingerprint: newFingerprint,
      total_secrets: 130 });
    expect(started.body.status).to.equal("running");
    // One rotation at a time; enabling or disabling waits for it too.
    const other = generateCmekKey();
    expect((await as(owner).post(`/v1/vaults/${vaultId}/cmek-rotate`, { new_fingerprint: await cmekFingerprint(other) },
      rotationHeaders(oldKey, other))).status).to.equal(409);

    const done = await waitForJob(vaultId, started.body.id, (job) => job.status === "completed");
    expect(done).to.include({ processed: 130, total_secrets: 130 });
    expect(done.completed_at).to.be.a("string");
    expect((await as(owner).get(`/v1/vaults/${vaultId}`)).body).to.include({ cmek_fingerprint: newFingerprint });

    for (const [path, values] of plaintexts) {
      for (const [index, value] of values.entries()) {
        const read = await as(owner).get(`/v1/vaults/${vaultId}/secret-version/${path}/${index + 1}`);
        expect(read.status, JSON.stringify(read.body)).to.equal(200);
        expect(read.body).to.include({ cmek_encrypted: true, cmek_fingerprint: newFingerprint, version: index + 1 });
        expect(await decryptCmekText(newKey, read.body.value)).to.equal(value);
        await expectUnreadableWith(oldKey, read.body.value);
      }
    }
    // Batches of 100: 130 secrets make two, each prepared and applied.
    const texts = await storedEventTexts(server.server.store, { category: "cmek_rotation", type: "CmekRotationBatchApplied" });
    expect(texts.filter((t) => t.includes(started.body.id))).to.have.length(2);
  });

  // Another API process on the same PostgreSQL (KEYLEDGER_WORKERS, or another machine) starting up must not take a
  // job this one runs for interrupted. A second runner on the same pool stands for it: its lock queries go to
  // other connections, so other backends, as another process's would. (PGlite has one backend: one process.)
  (process.env.DATABASE_URL ? it : it.skip)("leaves a job another API process runs alone when recovering at start-up", async () => {
    const vaultId = await newVault();
    await as(owner).post(`/v1/vaults/${vaultId}/cmek`, { fingerprint: oldFingerprint });
    for (let i = 0; i < 110; i++) {
      expect((await as(owner).put(`/v1/vaults/${vaultId}/secrets/app/key-${i}`, { value: await encryptCmek(oldKey, `v-${i}`) })).status).to.equal(201);
    }
    const config = server.config as { cmekBatchPauseMs: number };
    const pause = config.cmekBatchPauseMs;
    config.cmekBatchPauseMs = 3000; // the job rests between its two batches while the other process starts
    try {
      const started = await as(owner).post(`/v1/vaults/${vaultId}/cmek-rotate`, { new_fingerprint: newFingerprint },
        rotationHeaders(oldKey, newKey));
      expect(started.status, JSON.stringify(started.body)).to.equal(202);
      await waitForJob(vaultId, started.body.id, (job) => job.processed === 100);
      const otherProcess = new CmekRotationRunner(server.server.services);
      expect(await otherProcess.recoverInterrupted()).to.equal(0);
      expect((await as(owner).get(`/v1/vaults/${vaultId}/cmek-rotate/${started.body.id}`)).body.status).to.equal("running");
      const done = await waitForJob(vaultId, started.body.id, (job) => job.status !== "running");
      expect(done).to.include({ status: "completed", processed: 110 });
    } finally {
      config.cmekBatchPauseMs = pause;
    }
  });

  it("refuses a wrong old key, a fingerprint that is not the new key's, and malformed keys, before anything changes", async () => {
    const vaultId = await newVault();
    await as(owner).post(`/v1/vaults/${vaultId}/cmek`, { fingerprint: oldFingerprint });
    await as(owner).put(`/v1/vaults/${vaultId}/secrets/one`, { value: await encryptCmek(oldKey, "one") });
    const mark = await markEventLog(server.server.store);
    const stranger = generateCmekKey();
    const attempts: Array<[Record<string, string>, string]> = [
      [rotationHeaders(stranger, newKey), newFingerprint],
      [rotationHeaders(oldKey, newKey), await cmekFingerprint(stranger)],
      [{ "x-cmek-old-key": "not base64!", "x-cmek-new-key": toBase64(newKey) }, newFingerprint],
      [{ "x-cmek-old-key": toBase64(oldKey).slice(4), "x-cmek-new-key": toBase64(newKey) }, newFingerprint],
      [{ "x-cmek-new-key": toBase64(newKey) }, newFingerprint],
      [rotationHeaders(oldKey, oldKey), oldFingerprint],
    ];
    for (const [headers, fingerprint] of attempts) {
      const refused = await as(owner).post(`/v1/vaults/${vaultId}/cmek-rotate`, { new_fingerprint: fingerprint }, headers);
      expect(refused.status, JSON.stringify(refused.body)).to.equal(400);
      for (const value of Object.values(headers)) expect(JSON.stringify(refused.body)).not.to.include(value);
    }
    expect(await mark.newEvents({ category: "cmek_rotation" })).to.deep.equal([]);
    expect(await mark.newEvents({ category: "vault" })).to.deep.equal([]);
    expect((await as(owner).get(`/v1/vaults/${vaultId}`)).body).to.include({ cmek_fingerprint: oldFingerprint });
  });

  it("fails the job on a value the old key does not open, keeping the old key in force", async () => {
    const vaultId = await newVault();
    await as(owner).post(`/v1/vaults/${vaultId}/cmek`, { fingerprint: oldFingerprint });
    await as(owner).put(`/v1/vaults/${vaultId}/secrets/good`, { value: await encryptCmek(oldKey, "good") });
    await as(owner).put(`/v1/vaults/${vaultId}/secrets/not/a/blob`, { value: "written in the clear by mistake" });
    const started = await as(owner).post(`/v1/vaults/${vaultId}/cmek-rotate`, { new_fingerprint: newFingerprint },
      rotationHeaders(oldKey, newKey));
    expect(started.status).to.equal(202);
    const failed = await waitForJob(vaultId, started.body.id, (job) => job.status !== "running");
    expect(failed.status).to.equal("failed");
    expect(failed.error).to.include('"not/a/blob" version 1');
    expect((await as(owner).get(`/v1/vaults/${vaultId}`)).body).to.include({ cmek_fingerprint: oldFingerprint });
    // The slot is free again: a new post starts a new job.
    const again = await as(owner).post(`/v1/vaults/${vaultId}/cmek-rotate`, { new_fingerprint: newFingerprint },
      rotationHeaders(oldKey, newKey));
    expect(again.status).to.equal(202);
    expect(again.body.id).to.not.equal(started.body.id);
    expect((await waitForJob(vaultId, again.body.id, (job) => job.status !== "running")).status).to.equal("failed");
  });

  it("disables CMEK: older values keep their key, new writes are plain", async () => {
    const vaultId = await newVault();
    await as(owner).post(`/v1/vaults/${vaultId}/cmek`, { fingerprint: oldFingerprint });
    await as(owner).put(`/v1/vaults/${vaultId}/secrets/before`, { value: await encryptCmek(oldKey, "before") });
    const disabled = await as(owner).del(`/v1/vaults/${vaultId}/cmek`);
    expect(disabled.status).to.equal(200);
    expect(disabled.body.cmek_enabled).to.equal(false);
    expect(disabled.body).not.to.have.property("cmek_fingerprint");
    const after = await as(owner).put(`/v1/vaults/${vaultId}/secrets/after`, { value: "plain-after" });
    expect(after.body).to.include({ cmek_encrypted: false });
    expect((await as(owner).get(`/v1/vaults/${vaultId}/secrets/before`)).body).to.include({ cmek_encrypted: true,
      cmek_fingerprint: oldFingerprint });
    expect((await as(owner).get(`/v1/vaults/${vaultId}/secrets/after`)).body).to.include({ value: "plain-after", cmek_encrypted: false });
  });

  it("answers 404 for a job of another vault or an unknown one", async () => {
    const vaultId = await newVault();
    expect((await as(owner).get(`/v1/vaults/${vaultId}/cmek-rotate/${randomUUID()}`)).status).to.equal(404);
    expect((await as(owner).get(`/v1/vaults/${vaultId}/cmek-rotate/not-a-uuid`)).status).to.equal(404);
  });

  it("leaves neither customer key in any table, event or log line", async () => {
    const traces = keyTraces([oldKey, newKey]);
    const texts = [...await storedEventTexts(server.server.store), ...await tableTexts(server.server.db), server.logs()];
    expect(texts.length).to.be.greaterThan(100);
    for (const trace of traces) {
      expect(texts.filter((text) => text.includes(trace)), `a key trace (${trace.length} chars) was found`).to.deep.equal([]);
    }
  });
});

describe("customer-managed keys below the business tier", function () {
  let server: TestServer;
  let owner: TestUser;
  before(async () => {
    server = await startTestServer("cmek-tier", { billing: { ...loadConfig({}).billing, defaultTier: "pro" } });
    owner = await createUser(server);
  });
  after(() => server?.close());

  it("refuses to enable CMEK with 403 naming the tier", async () => {
    const vault = await server.request("POST", "/v1/vaults", { token: owner.accessToken, body: { name: "pro-vault" } });
    const refused = await server.request("POST", `/v1/vaults/${vault.body.id}/cmek`, { token: owner.accessToken,
      body: { fingerprint: await cmekFingerprint(generateCmekKey()) } });
    expect(refused.status).to.equal(403);
    expect(refused.body.detail).to.include("business tier").and.include("pro");
  });
});
