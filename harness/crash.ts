/**
 * Crash harness (issue 9): a server on PostgreSQL (+ SoftHSM when PKCS11_MODULE is set) in a child process,
 * under mixed load (writes, reads, grants, shares, share reads), SIGKILLed at random moments and started
 * again each time. Afterwards: every acknowledged write is in the log and readable (at its version or a
 * later one), every value returned has its read event, every acknowledged grant and share exists,
 * `keyledger replay` says equal and `keyledger audit verify` says valid.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { KEYLEDGER_BIN, call } from "../test/support/child-server.js";
import { eventsOfTypes, progress, startFixture } from "./fixture.js";
import { MixedLoad, emptyAcknowledged, statusCounts } from "./load.js";

export interface CrashOptions {
  kills: number;
  workers: number;
  /** Load runs for a random time in [minMs, maxMs] before each kill. */
  minMs?: number;
  maxMs?: number;
  log?: (line: string) => void;
}

export interface CrashReport {
  kills: number;
  keys: string;
  requests: number;
  statuses: Record<string, number>;
  acknowledgedWrites: number;
  valuesReturned: number;
  grants: number;
  shares: number;
  /** Kill -> healthy again, per restart. */
  restartMs: number[];
  replayEqual: boolean;
  auditValid: boolean;
  violations: string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const defaultPostgresUrl = () => process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";

async function scratchDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `keyledger_crash_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const cleanup = new pg.Client({ connectionString: serverUrl });
      await cleanup.connect();
      await cleanup.query(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}

function cli(env: Record<string, string>, args: string[]): { code: number | null; output: string } {
  const run = spawnSync(process.execPath, [KEYLEDGER_BIN, ...args], {
    env: { ...process.env, ...env, LOG_LEVEL: "warn" }, encoding: "utf8", timeout: 600_000,
  });
  return { code: run.status, output: `${run.stdout}${run.stderr}` };
}

export async function runCrash(options: CrashOptions): Promise<CrashReport> {
  const log = options.log ?? progress;
  const { minMs = 300, maxMs = 2500 } = options;
  const violations: string[] = [];
  const database = await scratchDatabase(defaultPostgresUrl());
  try {
    const fixture = await startFixture("crash-harness", database.url);
    // Sign the audit head often, so that kills land around signatures too.
    fixture.env.AUDIT_SIGN_INTERVAL_SECONDS = "1";
    const acked = emptyAcknowledged();
    const load = new MixedLoad({ url: () => fixture.server.url, token: fixture.token, vaultId: fixture.vaultId, agentId: fixture.agentId },
      acked, options.workers);
    const restartMs: number[] = [];
    log(`crash: server on PostgreSQL with ${fixture.keys}; ${options.kills} kill points`);
    try {
      for (let kill = 1; kill <= options.kills; kill++) {
        load.start();
        // Kill at a random moment once this incarnation has acknowledged some work (a busy machine can take
        // seconds for the first answers after a restart; a kill before any would test nothing new).
        const answered = load.outcomes.length;
        const deadline = Date.now() + 30_000;
        while (load.outcomes.slice(answered).filter((o) => o.status > 0 && o.status < 300).length < 5 && Date.now() < deadline) {
          await sleep(50);
        }
        await sleep(minMs + Math.random() * (maxMs - minMs));
        const killedAt = Date.now();
        const stopped = load.stop(); // workers end after the request they are in
        await fixture.server.kill();
        await stopped;
        await fixture.restart();
        restartMs.push(Date.now() - killedAt);
        log(`crash: kill ${kill}/${options.kills}: ${load.outcomes.length} requests so far, ${acked.writeCount} writes acknowledged; back in ${Date.now() - killedAt} ms`);
      }
      // A little load on the last incarnation, which is not killed.
      load.start();
      await sleep(minMs);
      await load.stop();
    } catch (error) {
      violations.push(`the run failed: ${error instanceof Error ? error.message.slice(0, 1000) : String(error)}`);
    }

    const server = fixture.server;
    const auth = { token: fixture.token };
    log("crash: checking acknowledged writes, read events, grants and shares");
    const versions = await eventsOfTypes(database.url, ["SecretVersionAdded"]);
    const written = new Set(versions.map((e) => `${e.data.secret_id}/${e.data.version}`));
    for (const [path, write] of acked.writes) {
      if (!written.has(`${write.secretId}/${write.version}`)) violations.push(`acknowledged write of ${path} v${write.version} is not in the log`);
      const current = await server.request("GET", `/v1/vaults/${fixture.vaultId}/secrets/${path}`, auth);
      if (current.status !== 200) violations.push(`${path}: read after the crashes answered ${current.status}`);
      else if (current.body.version < write.version) violations.push(`${path}: version ${current.body.version} < acknowledged ${write.version}`);
      else if (current.body.version === write.version && current.body.value !== write.value) violations.push(`${path}: value differs from the acknowledged one`);
    }
    const reads = await eventsOfTypes(database.url, ["SecretValueRead", "ShareAccessed"]);
    const audited = new Set(reads.map((e) => e.metadata?.request_id));
    const unaudited = acked.reads.filter((r) => !audited.has(r.requestId));
    if (unaudited.length > 0) violations.push(`${unaudited.length} of ${acked.reads.length} values returned without a read event`);
    const policies = await server.request("GET", `/v1/vaults/${fixture.vaultId}/policies`, auth);
    const granted = new Set((policies.body?.policies ?? []).map((p: { id: string }) => p.id));
    for (const policy of acked.policies) if (!granted.has(policy)) violations.push(`acknowledged policy ${policy} is not listed`);
    const outbound = await call(server.url, "GET", "/v1/shares/outbound", auth);
    const listed = new Set((outbound.body?.shares ?? []).map((s: { id: string }) => s.id));
    for (const share of acked.shares) if (!listed.has(share)) violations.push(`acknowledged share ${share} is not listed`);
    const serverErrors = load.outcomes.filter((o) => o.status >= 500 && o.status !== 503);
    if (serverErrors.length > 0) violations.push(`${serverErrors.length} answers 5xx other than 503: ${JSON.stringify(statusCounts(serverErrors))}`);

    await fixture.server.stop();
    log("crash: keyledger replay");
    const replay = cli(fixture.env, ["replay"]);
    if (replay.code !== 0) violations.push(`keyledger replay exited ${replay.code}: ${replay.output.slice(-2000)}`);
    log("crash: keyledger audit verify");
    const verify = cli(fixture.env, ["audit", "verify", "--stores"]);
    if (verify.code !== 0) violations.push(`keyledger audit verify exited ${verify.code}: ${verify.output.slice(-2000)}`);
    await fixture.dispose();

    return {
      kills: options.kills, keys: fixture.keys, requests: load.outcomes.length, statuses: statusCounts(load.outcomes),
      acknowledgedWrites: acked.writeCount, valuesReturned: acked.reads.length, grants: acked.policies.length,
      shares: acked.shares.length, restartMs, replayEqual: replay.code === 0, auditValid: verify.code === 0, violations,
    };
  } finally {
    await database.drop();
  }
}
