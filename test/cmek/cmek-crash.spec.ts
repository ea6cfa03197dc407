/**
 * Issue 14, CMEK: a rotation survives a crash. The server runs in a child process and is SIGKILLed while the
 * job is between batches; restarted, it finishes the batch that was past its commit point and pauses the job
 * (the keys died with the process); the client posts the same keys again, the job resumes where it was and
 * completes. Then every secret opens with the new key and none with the old, and neither key is anywhere:
 * not in a table, an event, or a line either process wrote.
 */
import { expect } from "chai";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { openDatabase, openEventStore } from "../../src/app/stores.js";
import { loadConfig } from "../../src/config.js";
import {
  CmekDecryptionFailed, cmekFingerprint, decryptCmekText, encryptCmek, generateCmekKey, toBase64,
} from "../../src/sdk/cmek.js";
import { ChildServer, expectStatus, signUpThroughOutbox } from "../support/child-server.js";
import { freshPostgres, postgresServerUrl, type TestDatabase } from "../support/databases.js";
import { storedEventTexts } from "../support/events.js";
import { keyTraces, tableTexts } from "./scan.js";

const SECRETS = 340;

describe("a CMEK rotation across a crash (SIGKILL mid-job, restart, resume)", function () {
  this.timeout(900_000);
  let database: TestDatabase | undefined;
  let dataDir: string;
  let env: Record<string, string | undefined>;
  const servers: ChildServer[] = [];
  const oldKey = generateCmekKey();
  const newKey = generateCmekKey();

  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "keyledger-cmek-crash-"));
    database = postgresServerUrl ? await freshPostgres() : undefined;
    env = {
      DATABASE_URL: database?.url ?? "", KEYLEDGER_DATA_DIR: dataDir, LOG_LEVEL: "debug", KEY_PROVIDER: "local",
      PKCS11_MODULE: "", RATE_LIMIT_AUTH_BURST: "100000", RATE_LIMIT_AUTH_PER_SECOND: "100000",
      // A pause between batches makes "between two batches" a moment the test can reach.
      KEYLEDGER_CMEK_BATCH_PAUSE_MS: "700",
    };
    if (!env.DATABASE_URL) delete env.DATABASE_URL;
  });

  after(async () => {
    for (const server of servers) await server.kill();
    await database?.dispose();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function spawn(): Promise<ChildServer> {
    const server = await ChildServer.spawn(env);
    servers.push(server);
    // Embedded PGlite can take minutes to start on a loaded machine.
    await server.waitHealthy(300_000);
    return server;
  }

  it("resumes the paused job with the keys posted again, completes it, and leaves the keys nowhere", async () => {
    let server = await spawn();
    const { token } = await signUpThroughOutbox(server.url, dataDir);
    const [oldFingerprint, newFingerprint] = await Promise.all([cmekFingerprint(oldKey), cmekFingerprint(newKey)]);
    const vaultId = (await expectStatus(server.request("POST", "/v1/vaults", { token, body: { name: "cmek-crash" } }), 201, "vault")).id;
    await expectStatus(server.request("POST", `/v1/vaults/${vaultId}/cmek`, { token, body: { fingerprint: oldFingerprint } }), 200, "enable");
    const values = new Map<string, string>();
    for (let i = 0; i < SECRETS; i += 20) {
      await Promise.all(Array.from({ length: Math.min(20, SECRETS - i) }, async (_, j) => {
        const secretPath = `svc/key-${i + j}`;
        const value = `value-${i + j}-${Math.random()}`;
        values.set(secretPath, value);
        await expectStatus(server.request("PUT", `/v1/vaults/${vaultId}/secrets/${secretPath}`,
          { token, body: { value: await encryptCmek(oldKey, value) } }), 201, "put");
      }));
    }

    const headers = { "x-cmek-old-key": toBase64(oldKey), "x-cmek-new-key": toBase64(newKey) };
    const started = await expectStatus(server.request("POST", `/v1/vaults/${vaultId}/cmek-rotate`,
      { token, headers, body: { new_fingerprint: newFingerprint } }), 202, "rotate");
    const jobUrl = `/v1/vaults/${vaultId}/cmek-rotate/${started.id}`;
    expect(started.total_secrets).to.equal(SECRETS);

    // Kill it the moment batch 2 is past its commit point, while it is being applied to its secrets.
    while (!/"batch":2,[^\n]*CMEK rotation batch prepared/.test(server.logs())) {
      expect(server.alive).to.equal(true);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await server.kill();

    server = await spawn();
    const paused = await expectStatus(server.request("GET", jobUrl, { token }), 200, "after restart");
    expect(paused.status).to.equal("paused");
    // The batch killed mid-application was finished at start-up, from what was committed: no key needed.
    expect(server.logs()).to.match(/"batch":2,[^\n]*applied the batch committed before the restart/);
    expect(paused.processed).to.equal(200);
    // Secrets on either key, each one whole: never a half-applied batch.
    const paths = [...values.keys()];
    let onNew = 0;
    for (let i = 0; i < paths.length; i += 20) {
      const reads = await Promise.all(paths.slice(i, i + 20).map((secretPath) =>
        expectStatus(server.request("GET", `/v1/vaults/${vaultId}/secrets/${secretPath}`, { token }), 200, "read")));
      onNew += reads.filter((read) => read.cmek_fingerprint === newFingerprint).length;
    }
    expect(onNew).to.equal(paused.processed);

    const resumed = await expectStatus(server.request("POST", `/v1/vaults/${vaultId}/cmek-rotate`,
      { token, headers, body: { new_fingerprint: newFingerprint } }), 202, "resume");
    expect(resumed.id).to.equal(started.id);
    let done: any;
    for (;;) {
      done = await expectStatus(server.request("GET", jobUrl, { token }), 200, "poll");
      if (done.status !== "running") break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(done).to.include({ status: "completed", processed: SECRETS, total_secrets: SECRETS });
    expect(await expectStatus(server.request("GET", `/v1/vaults/${vaultId}`, { token }), 200, "vault"))
      .to.include({ cmek_fingerprint: newFingerprint });

    for (const [secretPath, value] of values) {
      const read = await expectStatus(server.request("GET", `/v1/vaults/${vaultId}/secrets/${secretPath}`, { token }), 200, "read");
      expect(read).to.include({ cmek_encrypted: true, cmek_fingerprint: newFingerprint, version: 1 });
      expect(await decryptCmekText(newKey, read.value)).to.equal(value);
      const withOld = await decryptCmekText(oldKey, read.value).then(() => undefined, (e: unknown) => e);
      expect(withOld, secretPath).to.be.instanceOf(CmekDecryptionFailed);
    }

    const logs = servers.map((s) => s.logs()).join("\n");
    expect(logs).to.include("CMEK rotation job paused after a restart");
    await server.stop();

    // With both processes gone, open their stores and look everywhere.
    const config = loadConfig({ ...env, PORT: "0" } as Record<string, string>);
    const db = await openDatabase(config);
    const store = await openEventStore(config, db);
    try {
      const texts = [...await storedEventTexts(store), ...await tableTexts(db), logs];
      expect(texts.length).to.be.greaterThan(SECRETS);
      for (const trace of keyTraces([oldKey, newKey])) {
        expect(texts.filter((text) => text.includes(trace)), "a key trace was found").to.deep.equal([]);
      }
    } finally {
      await store.close();
      await db.close();
    }
  });
});
