/**
 * The external-load run (issue 12): `keyledger serve` in a child process, compiled JavaScript, and wrk, a
 * load generator of its own (C, not Node, not the server's process), driving it over loopback:
 * - cold start: spawning the server to its first healthy `GET /v1/health`, on fresh stores (first start) and
 *   again on the same stores after the load (a restart: the figure the issue's aim is about);
 * - `GET /v1/health` at c connections (the cost of the HTTP stack and middleware alone);
 * - audited secret reads at c connections: one agent JWT reading `--secrets` secrets in turn; reads/s,
 *   p50/p99/p999, non-2xx, and the SecretValueRead events in the log afterwards, which must equal the 200s
 *   (fail closed: no value leaves before its read is appended);
 * - the same reads at a fixed rate, `--rate` (2,000/s, the issue's aim) on PostgreSQL and `--embedded-rate`
 *   (300/s, its own aim) on the embedded default, sent open loop by bench/open-loop.ts in its own process: the
 *   latency a client sees at that rate, counted from each request's due instant (wrk's closed loop measures
 *   the most the server answers, where the latency is the queue of 64 connections at saturation);
 * - projection lag while the reads run (highest `keyledger_projection_lag_seconds` sampled every 250 ms) and
 *   how long the read models take to catch up once the load stops;
 * - writes of new versions of 64 existing secrets in turn at `--write-connections` (PUT by the vault's owner);
 * - on PostgreSQL, in the same run and on the same server: pgbench's durable single-row inserts/s at 16
 *   clients, and the ratio audited reads/s ÷ inserts/s, which is what compares across machines.
 *
 * Each measured wrk run follows a warm-up of `--warmup-seconds` (3) with the same script and connections, not
 * counted: in its first seconds the server spends 25-60 % more CPU per read while V8 compiles the hot path, and
 * the aims are about the sustained rate (the cold start is measured on its own). Warm-up reads are audited
 * like the rest, so the 200s and the SecretValueRead events still compare over everything.
 *
 *   npm run bench -- --only load [--load-seconds 10] [--warmup-seconds 3] [--connections 64] [--write-connections 16]
 *     [--secrets 20] [--rate 2000] [--embedded-rate 300] [--targets postgres,pglite] [--workers 1,2] [--cpu-prof DIR] [--quick]
 *
 * `--workers 1,2` runs the PostgreSQL target once per count of API processes (KEYLEDGER_WORKERS); the server
 * CPU figures are then every worker's added up (the supervisor's own, a few connections' hand-over, left out).
 *
 * PostgreSQL + SoftHSM when DATABASE_URL and PKCS11_MODULE are set (as the README's real-parts config),
 * and the embedded default (PGlite, local keys) beside it. Needs `wrk` (apt-get install wrk) and, for the
 * insert rate, `pgbench` (in the postgresql package).
 */
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import pg from "pg";
import { call, startChildServer, type ChildServer } from "./child-server.js";
import type { OpenLoopOptions, OpenLoopResult } from "./open-loop.js";
import { ms, note, type Report } from "./stats.js";

const run = promisify(execFile);

/** How many existing secrets the write run puts new versions of, in turn. */
const WRITE_SECRETS = 64;

export interface LoadRunOptions {
  seconds: number;
  /** An uncounted wrk run before each measured one (same script and connections). */
  warmupSeconds: number;
  connections: number;
  writeConnections: number;
  secrets: number;
  /** "postgres" (with SoftHSM when PKCS11_MODULE is set) and/or "pglite" (embedded, local keys). */
  targets: string[];
  /** Directory for the server's `--cpu-prof` profiles, when profiling. */
  cpuProfDir?: string;
  /** KEYLEDGER_WORKERS of each PostgreSQL run (the embedded target has one process). */
  workers: number[];
  /** Reads a second of the open-loop run on PostgreSQL (the issue's aim) and on the embedded default (its own). */
  rate: number;
  embeddedRate: number;
}

interface WrkResult {
  requests: number;
  seconds: number;
  non2xx: number;
  socketErrors: number;
  p50: number;
  p99: number;
  p999: number;
  rate: number;
}

/** wrk's own summary, printed as one JSON line by the script's `done` (latencies in µs). */
const WRK_DONE = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK {"requests":%d,"duration_us":%d,"non2xx":%d,"socket_errors":%d,"p50":%d,"p99":%d,"p999":%d}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9)))
end
`;

const luaString = (text: string) => JSON.stringify(text);

async function wrk(url: string, script: string, connections: number, seconds: number): Promise<WrkResult> {
  const dir = await mkdtemp(path.join(tmpdir(), "keyledger-wrk-"));
  try {
    const file = path.join(dir, "script.lua");
    await writeFile(file, `${script}\n${WRK_DONE}`);
    const threads = Math.min(2, connections);
    const { stdout } = await run("wrk", ["-t", String(threads), "-c", String(connections), "-d", `${seconds}s`,
      "--timeout", "10s", "-s", file, url], { maxBuffer: 1 << 20 });
    const line = /^WRK (\{.*\})$/m.exec(stdout)?.[1];
    if (!line) throw new Error(`wrk printed no summary:\n${stdout}`);
    const parsed = JSON.parse(line) as { requests: number; duration_us: number; non2xx: number; socket_errors: number;
      p50: number; p99: number; p999: number };
    const wall = parsed.duration_us / 1e6;
    return {
      requests: parsed.requests, seconds: wall, non2xx: parsed.non2xx, socketErrors: parsed.socket_errors,
      p50: parsed.p50 / 1000, p99: parsed.p99 / 1000, p999: parsed.p999 / 1000, rate: parsed.requests / wall,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** bench/open-loop.ts in a process of its own (as wrk is), with the tsx loader the bench itself runs on. */
async function openLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const script = fileURLToPath(new URL("./open-loop.ts", import.meta.url));
  const { stdout } = await run(process.execPath, ["--import", "tsx", script, JSON.stringify(options)], { maxBuffer: 1 << 20 });
  const line = /^OPEN-LOOP (\{.*\})$/m.exec(stdout)?.[1];
  if (!line) throw new Error(`the open-loop generator printed no summary:\n${stdout}`);
  return JSON.parse(line) as OpenLoopResult;
}

/** Highest lag per sample of /metrics while `during` runs, then the time until every read model caught up. */
async function withLagSampling<T>(url: string, during: () => Promise<T>): Promise<{ result: T; lags: number[]; drainMs: number }> {
  const lags: number[] = [];
  const sample = async () => {
    const text = await fetch(`${url}/metrics`).then((r) => r.text(), () => "");
    let highest = 0;
    for (const match of text.matchAll(/^keyledger_projection_lag_seconds\{[^}]*\} ([\d.eE+-]+)$/gm)) {
      highest = Math.max(highest, Number(match[1]));
    }
    return highest;
  };
  let running = true;
  const sampler = (async () => {
    while (running) {
      lags.push(await sample());
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  let result: T;
  try {
    result = await during();
  } finally {
    running = false;
    await sampler;
  }
  const stopped = performance.now();
  const deadline = stopped + 60_000;
  while ((await sample()) > 0 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  return { result, lags, drainMs: performance.now() - stopped };
}

/** Server CPU seconds so far (prom-client's process metric). */
async function serverCpuSeconds(url: string): Promise<number> {
  const text = await fetch(`${url}/metrics`).then((r) => r.text());
  return Number(/^process_cpu_seconds_total ([\d.eE+-]+)$/m.exec(text)?.[1] ?? NaN);
}

/** What the server itself counted: answers of `route` with `status` (keyledger_http_requests_total). */
async function serverAnswers(url: string, route: string, status: number): Promise<number> {
  const text = await fetch(`${url}/metrics`).then((r) => r.text());
  let total = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("keyledger_http_requests_total{") && line.includes(`route="${route}"`) && line.includes(`status="${status}"`)) {
      total += Number(line.slice(line.lastIndexOf(" ") + 1));
    }
  }
  return total;
}

/** The server's own latency histogram of `route` (cumulative counts by upper bound in seconds), all statuses. */
async function serverLatencies(url: string, route: string): Promise<Map<number, number>> {
  const text = await fetch(`${url}/metrics`).then((r) => r.text());
  const buckets = new Map<number, number>();
  for (const line of text.split("\n")) {
    if (!line.startsWith("keyledger_http_request_duration_seconds_bucket{") || !line.includes(`route="${route}"`)) continue;
    const le = /le="([^"]+)"/.exec(line)?.[1];
    if (!le) continue;
    const bound = le === "+Inf" ? Infinity : Number(le);
    buckets.set(bound, (buckets.get(bound) ?? 0) + Number(line.slice(line.lastIndexOf(" ") + 1)));
  }
  return buckets;
}

/**
 * The bucket the server's own p99 fell in between two readings of its histogram: the time from the request
 * reaching koa to the answer. What wrk sees above it was spent before the server read the request: Node
 * accepts one new connection per turn of its event loop, so the connections wrk opens at once to a busy
 * server are taken in one by one.
 */
function serverP99(before: Map<number, number>, after: Map<number, number>): string {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const counts = bounds.map((bound) => (after.get(bound) ?? 0) - (before.get(bound) ?? 0));
  const total = counts.at(-1) ?? 0;
  const index = counts.findIndex((count) => count >= 0.99 * total);
  if (total === 0 || index < 0) return "no answers";
  const bound = bounds[index];
  return bound === Infinity ? `over ${ms(bounds[index - 1] * 1000)}` : `≤ ${ms(bound * 1000)}`;
}

const cpuMs = async (url: string) => `${Math.round((await serverCpuSeconds(url)) * 1000)} ms`;

/** SecretValueRead events in the server's log (after it stopped, for the embedded database). */
async function countReadEvents(server: ChildServer): Promise<number> {
  const query = `select count(*)::int as n from eventstore_events where event_type = 'SecretValueRead'`;
  if (server.databaseUrl) {
    const client = new pg.Client({ connectionString: server.databaseUrl });
    await client.connect();
    try {
      return (await client.query<{ n: number }>(query)).rows[0].n;
    } finally {
      await client.end();
    }
  }
  const { PGlite } = await import("@electric-sql/pglite");
  const db = await PGlite.create({ dataDir: path.join(server.dataDir, "pglite") });
  try {
    return (await db.query<{ n: number }>(query)).rows[0].n;
  } finally {
    await db.close();
  }
}

/** pgbench: durable (synchronous_commit on) single-row inserts/s at 16 clients on the server's database. */
async function durableInsertRate(databaseUrl: string, seconds: number): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query(`create table bench_durable_insert (id bigserial primary key, v text not null)`);
  await client.end();
  const dir = await mkdtemp(path.join(tmpdir(), "keyledger-pgbench-"));
  try {
    const file = path.join(dir, "insert.sql");
    await writeFile(file, "insert into bench_durable_insert (v) values (md5(random()::text));\n");
    const { stdout } = await run("pgbench", ["-n", "-c", "16", "-j", "2", "-T", String(seconds), "-f", file, databaseUrl],
      { env: { ...process.env, PGOPTIONS: "-c synchronous_commit=on" } });
    const tps = /tps = ([\d.]+) \((?:without initial connection time|excluding connections establishing)\)/.exec(stdout)?.[1];
    if (!tps) throw new Error(`pgbench printed no tps:\n${stdout}`);
    return Number(tps);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const load = () => loadavg().map((l) => l.toFixed(1)).join(" ");

function describe(result: WrkResult): string {
  return `p50 ${ms(result.p50)}, p99 ${ms(result.p99)}, p999 ${ms(result.p999)}; ${result.requests} requests, ` +
    `non-2xx ${result.non2xx}, socket errors ${result.socketErrors}`;
}

async function loadTarget(embedded: boolean, report: Report, options: LoadRunOptions, workers = 1): Promise<void> {
  const nodeArgs = options.cpuProfDir ? ["--cpu-prof", "--cpu-prof-dir", options.cpuProfDir] : [];
  // The server's default log level: a line per request, as in production.
  const server = await startChildServer(embedded ? "load-embedded" : `load-${workers}`, { embedded, nodeArgs,
    env: { LOG_LEVEL: "info", KEYLEDGER_WORKERS: String(workers) } });
  const target = workers > 1 ? `${server.label} ×${workers} workers` : server.label;
  const figure = (measure: string, rate: number, unit: string, detail: string) =>
    report.add({ target, measure, rate, unit, detail });
  // The server's own CPU up to its first healthy answer moves far less with the machine's load than the wall time.
  figure("first start to healthy", server.coldStartMs, "ms",
    `fresh stores (schemas, read models and keys created); compiled JS; server CPU ${await cpuMs(server.url)}; load ${load()}`);

  const login = await call(server.url, "POST", "/v1/auth/token", { body: { email: server.email, password: server.password } });
  const user = login.access_token as string;
  const vault = await call(server.url, "POST", "/v1/vaults", { token: user, body: { name: "load" } });
  const created = await call(server.url, "POST", "/v1/agents", { token: user, body: { name: "load-agent", vault_ids: [vault.id] } });
  await call(server.url, "POST", `/v1/vaults/${vault.id}/policies`, { token: user, body: {
    principal_type: "agent", principal_id: created.agent.id, secret_path_pattern: "load/**", permissions: ["read"] } });
  const { access_token: agent } = await call(server.url, "POST", "/v1/auth/agent-token", { body: { api_key: created.api_key } });
  const paths = Array.from({ length: options.secrets }, (_, i) => `/v1/vaults/${vault.id}/secrets/load/key-${i}`);
  for (const route of paths) await call(server.url, "PUT", route, { token: user, body: { value: randomUUID() } });

  note(`${target}: GET /v1/health, c=${options.connections}`);
  if (options.warmupSeconds > 0) await wrk(`${server.url}/v1/health`, "", options.connections, options.warmupSeconds);
  const healthBefore = await serverLatencies(server.url, "/v1/health");
  const health = await wrk(`${server.url}/v1/health`, "", options.connections, options.seconds);
  const healthP99 = serverP99(healthBefore, await serverLatencies(server.url, "/v1/health"));
  figure(`GET /v1/health c=${options.connections}`, health.rate, "req/s",
    `${describe(health)}; the server's own p99 ${healthP99}; load ${load()}`);

  note(`${target}: audited reads, c=${options.connections}`);
  const readRoute = "/v1/vaults/{vault_id}/secrets/{path+}";
  const readScript = `
local paths = { ${paths.map(luaString).join(", ")} }
local headers = { ["Authorization"] = ${luaString(`Bearer ${agent}`)} }
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1], headers)
end`;
  if (options.warmupSeconds > 0) await wrk(server.url, readScript, options.connections, options.warmupSeconds);
  const readsBefore = await serverLatencies(server.url, readRoute);
  const cpuBefore = await serverCpuSeconds(server.url);
  const { result: reads, lags, drainMs } = await withLagSampling(server.url,
    () => wrk(server.url, readScript, options.connections, options.seconds));
  const cpuSeconds = (await serverCpuSeconds(server.url)) - cpuBefore;

  // The same reads at a fixed rate (open loop): the latency a client sees at that rate, not at saturation.
  const rate = embedded ? options.embeddedRate : options.rate;
  note(`${target}: audited reads at ${rate}/s offered (open loop), up to ${options.connections} connections`);
  const openLoopRun = (seconds: number) => openLoop({ url: server.url, paths, headers: { Authorization: `Bearer ${agent}` },
    rate, connections: options.connections, seconds });
  if (options.warmupSeconds > 0) await openLoopRun(options.warmupSeconds);
  const openCpuBefore = await serverCpuSeconds(server.url);
  const offered = await openLoopRun(options.seconds);
  const openCpuSeconds = (await serverCpuSeconds(server.url)) - openCpuBefore;

  // wrk stops with up to one request per connection in flight: the server may still answer (and has
  // audited) those, so the exact comparison is with the 200s the server counted, wrk's being a lower bound.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const ok = await serverAnswers(server.url, readRoute, 200);
  const readsP99 = serverP99(readsBefore, await serverLatencies(server.url, readRoute));
  const sortedLags = [...lags].sort((a, b) => a - b);
  const lagP99 = sortedLags[Math.min(sortedLags.length - 1, Math.ceil(0.99 * sortedLags.length) - 1)] ?? NaN;

  // New versions of secrets that exist (the issue's measure), WRITE_SECRETS of them in turn; a first write
  // would also take one of the organisation's secret slots, which every creation in it contends for.
  note(`${target}: writes of new versions, c=${options.writeConnections}`);
  const writePrefix = `/v1/vaults/${vault.id}/secrets/load/write-`;
  for (let i = 0; i < WRITE_SECRETS; i++) await call(server.url, "PUT", `${writePrefix}${i}`, { token: user, body: { value: randomUUID() } });
  const writeScript = `
local prefix = ${luaString(writePrefix)}
local headers = { ["Authorization"] = ${luaString(`Bearer ${user}`)}, ["Content-Type"] = "application/json" }
-- Each wrk thread starts at its own offset, so that two threads do not write the same secret in lockstep.
local threads = 0
setup = function(thread)
  thread:set("first", threads * ${WRITE_SECRETS / 2})
  threads = threads + 1
end
local i = nil
request = function()
  i = (i or first) + 1
  return wrk.format("PUT", prefix .. (i % ${WRITE_SECRETS}), headers, '{"value":"v-' .. math.random() .. '"}')
end`;
  if (options.warmupSeconds > 0) await wrk(server.url, writeScript, options.writeConnections, options.warmupSeconds);
  const writesBefore = await serverLatencies(server.url, readRoute);
  const writes = await wrk(server.url, writeScript, options.writeConnections, options.seconds);
  const writesP99 = serverP99(writesBefore, await serverLatencies(server.url, readRoute));
  figure(`new secret versions c=${options.writeConnections}`, writes.rate, "req/s",
    `${describe(writes)}; the server's own p99 ${writesP99}; ${WRITE_SECRETS} secrets in turn; load ${load()}`);

  let inserts: number | undefined;
  if (server.databaseUrl) {
    note(`${target}: pgbench durable single-row inserts, 16 clients`);
    inserts = await durableInsertRate(server.databaseUrl, options.seconds);
    figure("pgbench durable insert c=16", inserts, "rows/s", `same PostgreSQL, same run; load ${load()}`);
  }
  note(`${target}: restart`);
  const restartMs = await server.restart();
  figure("cold start to healthy", restartMs, "ms",
    `restart on the stores of this run; compiled JS (bin/keyledger.js serve); server CPU ${await cpuMs(server.url)}; load ${load()}`);
  await server.stop();
  const appended = await countReadEvents(server);
  figure(`audited secret read c=${options.connections}`, reads.rate, "req/s",
    `${describe(reads)}; the server's own p99 ${readsP99}; 200s answered ${ok} with the warm-up's (wrk saw ${reads.requests - reads.non2xx} in the measured run), SecretValueRead appended ${appended}${appended === ok ? " (equal)" : " (MISMATCH)"}; ` +
    `projection lag max ${Math.max(0, ...lags).toFixed(2)} s, p99 of samples ${lagP99.toFixed(2)} s, caught up ${ms(drainMs)} after; ` +
    `server CPU ${(cpuSeconds / reads.seconds).toFixed(2)} cores (${((cpuSeconds * 1000) / Math.max(1, reads.requests)).toFixed(2)} ms/read)` +
    (inserts ? `; reads/s ÷ inserts/s = ${(reads.rate / inserts).toFixed(3)}` : "") + `; load ${load()}`);
  figure(`audited secret read at ${rate.toLocaleString("en-US")}/s offered`, offered.rate, "req/s",
    `open loop (bench/open-loop.ts), up to ${options.connections} connections, latency from each request's due instant: ` +
    `p50 ${ms(offered.p50)}, p99 ${ms(offered.p99)}, p999 ${ms(offered.p999)}, max ${ms(offered.max)}; ${offered.sent} requests, ` +
    `non-2xx ${offered.non2xx}, socket errors ${offered.errors}; the generator at most ${ms(offered.lateMs)} late; ` +
    `server CPU ${(openCpuSeconds / offered.seconds).toFixed(2)} cores (${((openCpuSeconds * 1000) / Math.max(1, offered.sent)).toFixed(2)} ms/read); load ${load()}`);
  if (appended !== ok) throw new Error(`${appended} SecretValueRead events for ${ok} successful reads`);
}

export async function benchLoad(report: Report, options: LoadRunOptions): Promise<void> {
  // wrk prints its usage and exits 1 for --version: only a missing binary is a problem.
  const missing = await run("wrk", ["--version"]).then(() => false, (error: { code?: string }) => error.code === "ENOENT");
  if (missing) return report.skip("load", "wrk is not installed (apt-get install wrk)");
  const wanted = options.targets;
  if (wanted.includes("postgres") && process.env.DATABASE_URL) {
    for (const workers of options.workers) await loadTarget(false, report, options, workers);
  }
  else if (wanted.includes("postgres")) report.skip("postgres", "no DATABASE_URL");
  if (wanted.includes("pglite")) await loadTarget(true, report, options);
}
