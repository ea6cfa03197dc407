/**
 * Append throughput of the PostgreSQL event store: single-event appends, each worker to its own streams
 * with the exact expected revision, as the command bus does.
 *
 *   node --import tsx bench/eventstore.ts [--engine postgres|pglite] [--appends 20000] [--concurrency 32]
 *
 * PostgreSQL: uses DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) to create a scratch
 * database, and drops it afterwards.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import pg from "pg";
import type { Database } from "../src/db/database.js";
import { openPglite } from "../src/db/pglite.js";
import { openPostgres } from "../src/db/postgres.js";
import { createPostgresEventStore } from "../src/eventstore/postgres.js";
import type { EventStore } from "../src/eventstore/port.js";

const { values } = parseArgs({
  options: {
    engine: { type: "string", default: "postgres" },
    appends: { type: "string", default: "20000" },
    concurrency: { type: "string", default: "32" },
  },
});
const appends = Number(values.appends);
const concurrency = Number(values.concurrency);
const serverUrl = process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";

async function onAdminConnection(sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

async function scratchDatabase(): Promise<{ db: Database; drop(): Promise<void> }> {
  if (values.engine === "pglite") {
    const db = await openPglite();
    return { db, drop: () => db.close() };
  }
  const name = `keyledger_bench_${randomBytes(4).toString("hex")}`;
  await onAdminConnection(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const db = openPostgres({ connectionString: url.toString(), max: concurrency });
  return {
    db,
    async drop() {
      await db.close();
      await onAdminConnection(`drop database if exists ${name} with (force)`);
    },
  };
}

async function worker(store: EventStore, index: number, count: number): Promise<void> {
  // Streams of 100 events: long enough to exercise the stream row, short like real aggregates.
  for (let i = 0; i < count; i++) {
    const stream = `bench-${index}_${Math.floor(i / 100)}`;
    const revision = i % 100;
    await store.append(
      stream,
      [{ id: randomUUID(), type: "SecretValueRead", data: { version: 1, n: i }, metadata: { request_id: randomUUID() } }],
      revision === 0 ? "no_stream" : BigInt(revision - 1),
    );
  }
}

const scratch = await scratchDatabase();
try {
  const store = await createPostgresEventStore(scratch.db);
  await worker(store, -1, 200); // warm-up: connections, plans
  const perWorker = Math.ceil(appends / concurrency);
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, (_, i) => worker(store, i, perWorker)));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const total = perWorker * concurrency;
  console.log(
    `${values.engine}: ${total} single-event appends, concurrency ${concurrency}: ` +
      `${seconds.toFixed(2)} s, ${Math.round(total / seconds)} appends/s`,
  );
  await store.close();
} finally {
  await scratch.drop();
}
