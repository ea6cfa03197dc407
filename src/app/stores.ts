/**
 * Opens what the configuration names: the read-model database, the event store and the key provider.
 * Shared by the server and the CLI commands, so both always agree on where things are.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Config } from "../config.js";
import type { Database } from "../db/database.js";
import { openPglite } from "../db/pglite.js";
import { openPostgres } from "../db/postgres.js";
import { createEventStoreDbStore } from "../eventstore/eventstoredb.js";
import { createPostgresEventStore } from "../eventstore/postgres.js";
import type { EventStore } from "../eventstore/port.js";
import { openLocalKeyProvider } from "../keys/local.js";
import { openPkcs11Provider } from "../keys/pkcs11.js";
import type { KeyProvider } from "../keys/port.js";
import type { Logger } from "../log.js";
import { lockDataDir } from "./data-dir-lock.js";
import { restrictTree } from "./data-dir.js";

export async function openDatabase(config: Config, logger?: Logger): Promise<Database> {
  if (config.databaseUrl) {
    return openPostgres({
      connectionString: config.databaseUrl, max: 20,
      onUnavailable: (reason) => logger?.error({ err: reason }, "the database is unavailable; answering 503 until it is back"),
      onAvailable: (downForMs) => logger?.warn({ downForMs }, "the database is available again"),
    });
  }
  const dataDir = path.join(config.dataDir, "pglite");
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const db = await openPglite({ dataDir });
  // PGlite creates its files 0666: take group and others off after opening, and again after closing.
  await restrictTree(dataDir);
  return { ...db, close: () => db.close().finally(() => restrictTree(dataDir)) };
}

export async function openEventStore(config: Config, db: Database): Promise<EventStore> {
  if (config.eventStoreUrl) {
    return createEventStoreDbStore({ connectionString: config.eventStoreUrl, deadlineMs: config.eventStoreDeadlineMs });
  }
  return createPostgresEventStore(db, { notificationsUrl: config.databaseUrl });
}

export async function openKeyProvider(config: Config): Promise<KeyProvider> {
  const keys = config.keyProvider;
  if (keys.kind === "pkcs11") {
    return openPkcs11Provider({
      modulePath: keys.module,
      token: keys.slot !== undefined ? { slotIndex: keys.slot } : { label: keys.tokenLabel },
      pin: keys.pin,
    });
  }
  return openLocalKeyProvider({ directory: path.join(config.dataDir, "keys") });
}

/** Human-readable names of what is in use, for the start-up log line. */
export function describeStores(config: Config): { events: string; readModels: string; keys: string } {
  return {
    events: config.eventStoreUrl ? "eventstoredb" : config.databaseUrl ? "postgres" : "pglite (embedded)",
    readModels: config.databaseUrl ? "postgres" : "pglite (embedded)",
    keys: config.keyProvider.kind === "pkcs11" ? "pkcs11" : "local (software keys, not an HSM)",
  };
}

/**
 * Opens the configured database and event store for a command-line operation, runs fn, and closes both.
 * On the embedded default the data directory is locked first: PGlite allows one process, so the command is
 * refused clearly while a server holds it.
 */
export async function withStores<T>(config: Config, fn: (stores: { db: Database; store: EventStore }) => Promise<T>): Promise<T> {
  const lock = config.databaseUrl ? undefined : await lockDataDir(config.dataDir);
  try {
    const db = await openDatabase(config);
    try {
      const store = await openEventStore(config, db);
      try {
        return await fn({ db, store });
      } finally {
        await store.close();
      }
    } finally {
      await db.close();
    }
  } finally {
    await lock?.release();
  }
}
