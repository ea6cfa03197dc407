/**
 * Outage harness (issue 9): a server under mixed load on a PostgreSQL cluster of our own, which is stopped
 * and started again, several times. Checks: the process lives throughout; every answer while the store is
 * down comes within 1 s and is a 503 (never another 5xx); /v1/health says unavailable, then ok; the server
 * recovers without a restart; no value was returned without its read event; every acknowledged write is
 * in the log. Also: a server started while the store is down waits (unhealthy) and comes up when it returns.
 * Measures the time to recover (store started -> first successful read and write).
 */
import { PgCluster } from "../test/support/pg-cluster.js";
import { ChildServer, call } from "../test/support/child-server.js";
import { eventsOfTypes, progress, startFixture } from "./fixture.js";
import { MixedLoad, emptyAcknowledged, statusCounts, type Outcome } from "./load.js";

export interface OutageOptions {
  rounds: number;
  /** Load before each stop, and how long the store stays down. */
  loadMs: number;
  downMs: number;
  workers: number;
  log?: (line: string) => void;
}

export interface OutageReport {
  rounds: number;
  keys: string;
  requests: number;
  statuses: Record<string, number>;
  /** Slowest answer to a request made while the store was down. */
  maxMsWhileDown: number;
  answersWhileDown: number;
  /** PostgreSQL accepting connections again -> a read and a write both succeed, per round. */
  recoverMs: number[];
  /** pg_ctl start until PostgreSQL accepts connections, per round (not ours: for context). */
  postgresStartMs: number[];
  /** PostgreSQL accepting connections -> /v1/health 200, for a server that was started while it was down. */
  coldStartRecoverMs?: number;
  valuesReturned: number;
  readEvents: number;
  acknowledgedWrites: number;
  violations: string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function healthStatus(url: string): Promise<number> {
  return call(url, "GET", "/v1/health", { timeoutMs: 2000 }).then((r) => r.status, () => 0);
}

async function untilRecovered(url: string, target: { token: string; vaultId: string }, deadlineMs: number): Promise<boolean> {
  const deadline = Date.now() + deadlineMs;
  let wrote = false;
  let read = false;
  while (Date.now() < deadline) {
    const auth = { token: target.token, timeoutMs: 5000 };
    if (!wrote) wrote = await call(url, "PUT", `/v1/vaults/${target.vaultId}/secrets/probe/recovery`, { ...auth, body: { value: "p" } })
      .then((r) => r.status === 201, () => false);
    if (wrote && !read) read = await call(url, "GET", `/v1/vaults/${target.vaultId}/secrets/probe/recovery`, auth)
      .then((r) => r.status === 200, () => false);
    if (wrote && read) return true;
    await sleep(20);
  }
  return false;
}

export async function runOutage(options: OutageOptions): Promise<OutageReport> {
  const log = options.log ?? progress;
  const violations: string[] = [];
  log("outage: creating a PostgreSQL cluster of our own");
  const cluster = await PgCluster.create();
  try {
    const fixture = await startFixture("outage-harness", cluster.url);
    const acked = emptyAcknowledged();
    const load = new MixedLoad({ url: () => fixture.server.url, token: fixture.token, vaultId: fixture.vaultId, agentId: fixture.agentId },
      acked, options.workers);
    const recoverMs: number[] = [];
    const postgresStartMs: number[] = [];
    const downWindows: Array<[number, number]> = [];
    log(`outage: server on ${cluster.url} with ${fixture.keys}; ${options.rounds} rounds`);
    try {
      load.start();
      for (let round = 1; round <= options.rounds; round++) {
        await sleep(options.loadMs);
        const mode = round % 2 === 0 ? "immediate" : "fast";
        const downAt = Date.now();
        cluster.stop(mode);
        log(`outage: round ${round}: store stopped (${mode})`);
        // Health must say so while the store is down (give the server up to 1 s to notice).
        await sleep(Math.min(1000, options.downMs / 2));
        const health = await healthStatus(fixture.server.url);
        if (health !== 503) violations.push(`round ${round}: /v1/health answered ${health} while the store was down`);
        await sleep(Math.max(0, options.downMs - 1000));
        if (!fixture.server.alive) {
          violations.push(`round ${round}: the server process died while the store was down`);
          break;
        }
        const startAt = Date.now();
        cluster.start(); // returns once PostgreSQL accepts connections (pg_ctl -w)
        const upAt = Date.now();
        downWindows.push([downAt, startAt]);
        const recovered = await untilRecovered(fixture.server.url, fixture, 60_000);
        const took = Date.now() - upAt;
        postgresStartMs.push(upAt - startAt);
        if (!recovered) violations.push(`round ${round}: no recovery within 60 s of the store's return`);
        else recoverMs.push(took);
        const healthAfter = await healthStatus(fixture.server.url);
        if (healthAfter !== 200) violations.push(`round ${round}: /v1/health answered ${healthAfter} after recovery`);
        log(`outage: round ${round}: store started in ${upAt - startAt} ms; reads and writes back ${took} ms after it accepted connections`);
      }
      await sleep(options.loadMs);
    } finally {
      await load.stop();
    }
    if (!fixture.server.alive) violations.push("the server process died");

    // Answers to requests made while the store was down (a second after the stop, so in-flight ones are out).
    const duringOutage = (o: Outcome) => downWindows.some(([down, up]) => o.startedAt >= down + 1000 && o.startedAt + o.ms <= up);
    const whileDown = load.outcomes.filter(duringOutage);
    const maxMsWhileDown = Math.max(0, ...whileDown.map((o) => o.ms));
    if (maxMsWhileDown > 1000) violations.push(`an answer took ${maxMsWhileDown} ms while the store was down (limit 1000)`);
    const wrong = whileDown.filter((o) => o.status !== 503);
    if (wrong.length > 0) violations.push(`${wrong.length} answers other than 503 while the store was down: ${JSON.stringify(statusCounts(wrong))}`);
    const serverErrors = load.outcomes.filter((o) => o.status >= 500 && o.status !== 503);
    if (serverErrors.length > 0) violations.push(`${serverErrors.length} answers 5xx other than 503: ${JSON.stringify(statusCounts(serverErrors))}`);

    // Fail closed: every value returned has its read event; every acknowledged write is in the log.
    const reads = await eventsOfTypes(cluster.url, ["SecretValueRead", "ShareAccessed"]);
    const audited = new Set(reads.map((e) => e.metadata?.request_id));
    const unaudited = acked.reads.filter((r) => !audited.has(r.requestId));
    if (unaudited.length > 0) violations.push(`${unaudited.length} values returned without a read event`);
    const versions = await eventsOfTypes(cluster.url, ["SecretVersionAdded"]);
    const written = new Set(versions.map((e) => `${e.data.secret_id}/${e.data.version}`));
    for (const [path, write] of acked.writes) {
      if (!written.has(`${write.secretId}/${write.version}`)) violations.push(`acknowledged write of ${path} v${write.version} is not in the log`);
    }

    // Cold start: the store is down when the server starts.
    log("outage: cold start while the store is down");
    await fixture.server.stop();
    cluster.stop("fast");
    const cold = await ChildServer.spawn(fixture.env, fixture.port);
    let coldStartRecoverMs: number | undefined;
    try {
      // Loading the code takes a few seconds on a busy machine: wait for the first answer, then for a while more.
      let coldHealth = 0;
      for (const deadline = Date.now() + 30_000; coldHealth === 0 && Date.now() < deadline && cold.alive;) {
        await sleep(200);
        coldHealth = await healthStatus(cold.url);
      }
      await sleep(2000);
      if (!cold.alive) violations.push(`a server started while the store was down exited:\n${cold.logs().slice(-2000)}`);
      else coldHealth = await healthStatus(cold.url);
      if (coldHealth !== 503) violations.push(`a server waiting for the store answered /v1/health ${coldHealth}, not 503`);
      cluster.start();
      const startAt = Date.now();
      await cold.waitHealthy(60_000).then(() => (coldStartRecoverMs = Date.now() - startAt),
        (error: Error) => violations.push(`the waiting server did not come up: ${error.message.slice(0, 500)}`));
      if (coldStartRecoverMs !== undefined && !(await untilRecovered(cold.url, fixture, 30_000))) {
        violations.push("the server that waited for the store could not read and write");
      }
    } finally {
      await cold.stop();
      await fixture.dispose();
    }

    return {
      rounds: options.rounds, keys: fixture.keys, requests: load.outcomes.length, statuses: statusCounts(load.outcomes),
      maxMsWhileDown, answersWhileDown: whileDown.length, recoverMs, postgresStartMs, coldStartRecoverMs,
      valuesReturned: acked.reads.length, readEvents: reads.length, acknowledgedWrites: acked.writeCount, violations,
    };
  } finally {
    cluster.destroy();
  }
}
