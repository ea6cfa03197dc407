/**
 * Event store configurations to benchmark, and the store-level measures: single-event appends (each to its
 * own short stream with the exact expected revision, as the command bus does) and reading $all in batches.
 *
 * - pglite: always, in memory.
 * - postgres: a scratch database created on DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres
 *   when that server answers), dropped afterwards.
 * - eventstoredb: only when EVENTSTORE_URL is set; its read models go to the postgres scratch database
 *   when there is one, else to PGlite.
 */
import { randomBytes, randomUUID } from "node:crypto";
import pg from "pg";
import type { Database } from "../src/db/database.js";
import { openPglite } from "../src/db/pglite.js";
import { openPostgres } from "../src/db/postgres.js";
import { createEventStoreDbStore } from "../src/eventstore/eventstoredb.js";
import { createPostgresEventStore } from "../src/eventstore/postgres.js";
import type { EventStore, EventToAppend, Position } from "../src/eventstore/port.js";
import { onCleanup } from "./cleanup.js";
import { cpuMeter, describeCpu, describeLoad, now, progress, timedLoad, type Report } from "./stats.js";

export const DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres";

export interface StoreTarget {
  name: string;
  store: EventStore;
  /** The database the projection runner writes read models (and its catalog) to. */
  db: Database;
  /** Removes everything this target created. */
  dispose(): Promise<void>;
}

export interface TargetFactory {
  name: string;
  open(): Promise<StoreTarget>;
}

export interface Availability {
  targets: TargetFactory[];
  skipped: Array<{ name: string; reason: string }>;
}

async function reachable(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query("select 1");
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.end().catch(() => {});
  }
}

async function onServer(url: string, sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

/** A database created for this run on a PostgreSQL server, dropped by dispose (and on Ctrl-C). */
async function scratchPostgres(serverUrl: string): Promise<{ db: Database; url: string; dispose(): Promise<void> }> {
  const name = `keyledger_bench_${randomBytes(4).toString("hex")}`;
  await onServer(serverUrl, `create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const db = openPostgres({ connectionString: url.toString(), max: 40, applicationName: "keyledger-bench" });
  const dispose = onCleanup(async () => {
    await db.close().catch(() => {});
    await onServer(serverUrl, `drop database if exists ${name} with (force)`);
  });
  return { db, url: url.toString(), dispose };
}

async function pglite(): Promise<Database> {
  const db = await openPglite();
  onCleanup(() => db.close());
  return db;
}

/** Which configurations this machine can run, and why the others are skipped. */
export async function availableTargets(wanted: readonly string[], batchSize?: number): Promise<Availability> {
  const targets: TargetFactory[] = [];
  const skipped: Availability["skipped"] = [];
  if (wanted.includes("pglite")) {
    targets.push({
      name: "pglite",
      async open() {
        const db = await pglite();
        const store = await createPostgresEventStore(db, { batchSize });
        return { name: "pglite", store, db, dispose: async () => { await store.close(); await db.close(); } };
      },
    });
  }
  const serverUrl = process.env.DATABASE_URL || DEFAULT_POSTGRES_URL;
  const serverProblem = wanted.includes("postgres") || wanted.includes("eventstoredb")
    ? await reachable(serverUrl) : "not selected";
  if (wanted.includes("postgres")) {
    if (serverProblem) {
      skipped.push({ name: "postgres", reason: `${redact(serverUrl)} not reachable: ${serverProblem}; set DATABASE_URL` });
    } else {
      targets.push({
        name: "postgres",
        async open() {
          const scratch = await scratchPostgres(serverUrl);
          const store = await createPostgresEventStore(scratch.db, { notificationsUrl: scratch.url, batchSize });
          return { name: "postgres", store, db: scratch.db, dispose: async () => { await store.close(); await scratch.dispose(); } };
        },
      });
    }
  }
  if (wanted.includes("eventstoredb")) {
    const esdbUrl = process.env.EVENTSTORE_URL;
    if (!esdbUrl) {
      skipped.push({ name: "eventstoredb", reason: "EVENTSTORE_URL is not set (e.g. docker compose up, then EVENTSTORE_URL=esdb://localhost:2113?tls=false); no Docker on this machine" });
    } else {
      targets.push({
        name: "eventstoredb",
        async open() {
          const store = createEventStoreDbStore({ connectionString: esdbUrl, deadlineMs: 30_000 });
          if (!serverProblem) {
            const scratch = await scratchPostgres(serverUrl);
            return { name: "eventstoredb", store, db: scratch.db, dispose: async () => { await store.close(); await scratch.dispose(); } };
          }
          const db = await pglite();
          // Streams written to EventStoreDB stay there (random names, `bench` categories): use a throwaway server.
          return { name: "eventstoredb", store, db, dispose: async () => { await store.close(); await db.close(); } };
        },
      });
    }
  }
  return { targets, skipped };
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = "***";
  return parsed.toString();
}

// --- events ---

const TYPES = ["SecretValueRead", "SecretValueRead", "SecretValueRead", "AgentTokenIssued", "AccessDenied"] as const;
const ORG = randomUUID();
const AGENTS = Array.from({ length: 50 }, () => randomUUID());

/** An audit-like event of ~600 bytes of JSON: what the high-volume streams of a vault hold. */
export function benchEvent(n: number): EventToAppend {
  const agent = AGENTS[n % AGENTS.length];
  return {
    id: randomUUID(),
    type: TYPES[n % TYPES.length],
    data: { vault_id: ORG, secret_id: agent, path: `prod/db/password-${n % 500}`, version: 1 + (n % 3) },
    metadata: {
      actor: { type: "agent", id: agent },
      org_id: ORG,
      request_id: randomUUID(),
      client_ip: `10.0.${n % 256}.${(n >> 8) % 256}`,
      user_agent: "keyledger-bench/1.0 (+https://example.invalid)",
      correlation_id: randomUUID(),
      causation_id: randomUUID(),
      occurred_at: new Date().toISOString(),
    },
  };
}

/** Per-worker streams of `perStream` events, appended one event at a time with the exact expected revision. */
export class StreamCursor {
  private stream = "";
  private revision = -1n;
  constructor(private readonly perStream = 100) {}

  async appendOne(store: EventStore, n: number): Promise<Position> {
    if (this.revision < 0n || this.revision + 1n >= BigInt(this.perStream)) {
      this.stream = `access-${randomUUID()}`;
      this.revision = -1n;
    }
    const expected = this.revision < 0n ? "no_stream" : this.revision;
    const result = await store.append(this.stream, [benchEvent(n)], expected);
    this.revision = result.nextRevision;
    return result.position;
  }
}

/** Fills the store up to `total` events fast: 100-event appends from 4 workers. */
export async function seed(store: EventStore, total: number, label: string): Promise<void> {
  const bar = progress(label, total);
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const count = Math.min(100, total - next);
      const first = next;
      next += count;
      const events = Array.from({ length: count }, (_, i) => benchEvent(first + i));
      await store.append(`access-${randomUUID()}`, events, "no_stream");
      bar.update(next);
    }
  };
  try {
    await Promise.all([worker(), worker(), worker(), worker()]);
  } finally {
    bar.stop();
  }
}

/** Counts events in $all (up to `limit`) by reading in batches. */
export async function countAll(store: EventStore, limit: number, batch = 1000): Promise<number> {
  let after: Position | undefined;
  let total = 0;
  while (total < limit) {
    const events = await store.readAll({ after, limit: Math.min(batch, limit - total) });
    if (events.length === 0) break;
    total += events.length;
    after = events[events.length - 1].position;
  }
  return total;
}

export interface StoreBenchOptions {
  trials: number;
  seconds: number;
  /** Events read by the read-all measure (and present for the projection measures). */
  events: number;
  readBatch: number;
}

export async function benchAppends(target: StoreTarget, report: Report, options: StoreBenchOptions): Promise<void> {
  const { store } = target;
  // Warm-up: connections, plans, JIT of the append path.
  const warm = new StreamCursor();
  for (let i = 0; i < 200; i++) await warm.appendOne(store, i);
  for (const concurrency of [1, 32]) {
    const cursors = Array.from({ length: concurrency }, () => new StreamCursor());
    const bar = progress(`${target.name} append c=${concurrency}`, options.trials, "trials");
    const result = await timedLoad(
      { concurrency, trials: options.trials, seconds: options.seconds, onTrial: (t) => bar.update(t) },
      (worker, i) => cursors[worker].appendOne(store, i),
    );
    bar.stop();
    report.add({
      target: target.name, measure: `append c=${concurrency} (1 event)`, rate: result.rate, unit: "appends/s",
      detail: describeLoad(result),
    });
  }
}

export async function benchReadAll(target: StoreTarget, report: Report, options: StoreBenchOptions): Promise<void> {
  const { store } = target;
  const present = await countAll(store, options.events);
  if (present < options.events) await seed(store, options.events - present, `${target.name} seed to ${options.events} events`);
  const rates: number[] = [];
  const cpu = cpuMeter();
  for (let trial = 0; trial < options.trials; trial++) {
    const bar = progress(`${target.name} read-all ${trial + 1}/${options.trials}`, options.events);
    let after: Position | undefined;
    let read = 0;
    const started = now();
    while (read < options.events) {
      const events = await store.readAll({ after, limit: Math.min(options.readBatch, options.events - read) });
      if (events.length === 0) break;
      read += events.length;
      after = events[events.length - 1].position;
      bar.update(read);
    }
    bar.stop();
    rates.push(read / ((now() - started) / 1000));
  }
  const used = cpu();
  rates.sort((a, b) => a - b);
  report.add({
    target: target.name, measure: `read-all (batches of ${options.readBatch})`, rate: rates[Math.floor(rates.length / 2)],
    unit: "events/s", detail: `${options.events} events, median of ${options.trials}; trials ${rates.map((r) => Math.round(r)).join(", ")}/s; ${describeCpu(used)}`,
  });
}
