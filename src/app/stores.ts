/**
 * Opens what the configuration names: the read-model database, the event store and the key provider.
 * Shared by the server and the CLI commands, so both always agree on where things are.
 */
import { existsSync } from "node:fs";
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

/** There is no embedded store where the configuration points, and a command will not create one. */
export class NoStore extends Error {
  constructor(dataDir: string) {
    super(`there is no Keyledger store in ${dataDir} (KEYLEDGER_DATA_DIR): start the server there first, ` +
      "or set DATABASE_URL (and the key provider's settings) to the store you mean");
    this.name = "NoStore";
  }
}

/** Where the configuration points, for people: no credentials (a URL's user and password are left out). */
export function describeStoreLocation(config: Config): string {
  const where: string[] = [];
  if (config.databaseUrl) {
    const url = new URL(config.databaseUrl);
    where.push(`PostgreSQL ${url.hostname}:${url.port || "5432"}${url.pathname}`);
  } else {
    where.push(`embedded PGlite in ${path.join(config.dataDir, "pglite")}`);
  }
  if (config.eventStoreUrl) where.push(`events in EventStoreDB ${new URL(config.eventStoreUrl).host}`);
  return where.join(", ");
}

export function describeKeyProvider(config: Config): string {
  const keys = config.keyProvider;
  if (keys.kind === "pkcs11") {
    return `PKCS#11 ${keys.module}, token ${keys.slot !== undefined ? `in slot ${keys.slot}` : `"${keys.tokenLabel}"`}`;
  }
  return `local software keys in ${path.join(config.dataDir, "keys")}`;
}

/**
 * Refuses (NoStore) when the embedded store the configuration names does not exist: a command line run in
 * the wrong directory must not leave a fresh ./data behind. Tells stderr which store it opens.
 */
export function announceExistingStore(config: Config, keys: boolean, options: { create?: boolean } = {}): void {
  const absent = !config.databaseUrl && !existsSync(path.join(config.dataDir, "pglite"));
  if (absent && !options.create) throw new NoStore(config.dataDir);
  process.stderr.write(`keyledger: ${absent ? "creating a new store" : "store"}: ${describeStoreLocation(config)}` +
    `${keys ? `; keys: ${describeKeyProvider(config)}` : ""}\n`);
}

/**
 * Opens the configured database and event store for a command-line operation, runs fn, and closes both.
 * On the embedded default the data directory is locked first: PGlite allows one process, so the command is
 * refused clearly while a server holds it. An embedded store that does not exist is refused, not created,
 * unless `create` says that making one is the command's purpose (`keyledger user create` bootstraps).
 */
export async function withStores<T>(config: Config, fn: (stores: { db: Database; store: EventStore }) => Promise<T>,
  options: { announce?: boolean; create?: boolean } = {}): Promise<T> {
  if (options.announce !== false) announceExistingStore(config, false, options);
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
