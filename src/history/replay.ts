/**
 * Compliance replay: rebuild every read model from the event log into fresh tables beside the live ones
 * and report whether they hold exactly the same rows. It proves that the read models (access history,
 * audit, reports) say nothing the log does not.
 *
 * Each projection is replayed, in its own schema `replay_<name>`, up to the position its live generation
 * had reached; the comparison then runs in a transaction holding the live generation's checkpoint row
 * (FOR SHARE), after replaying whatever the live one applied in the meantime. The runner updates that row
 * in the transaction of every batch it applies, so during the comparison the live tables are exactly those
 * of the checkpoint: a running server does not disturb the result.
 */
import type { Database, Queryable } from "../db/database.js";
import {
  comparePositions, formatPosition, START, type EventStore, type Position, type RecordedEvent,
} from "../eventstore/port.js";
import type { Projection } from "../../projections/projection.js";
import { ensureCatalog, generationSchema, liveGeneration } from "../projection-runner/catalog.js";
import { applyHandlers } from "../projection-runner/runner.js";
import { stuckOn } from "../projection-runner/stuck.js";
import { CoalescingQueryable } from "../projection-runner/coalescing-queryable.js";

export interface TableComparison {
  table: string;
  liveRows: number;
  replayRows: number;
  /** Rows (as whole-row text, duplicates counted) found in one and not the other. */
  onlyLive: number;
  onlyReplay: number;
}

export interface ProjectionReplay {
  name: string;
  /** The live generation compared against, and the position both were at. */
  generation?: number;
  position?: string;
  /** Why nothing was compared (no live generation of this code's version). */
  skipped?: string;
  /** The live generation cannot apply its next event (the failure names it): not equal, whatever it holds. */
  stuck?: string;
  equal: boolean;
  tables: TableComparison[];
}

export interface ReplayReport {
  equal: boolean;
  events: number;
  projections: ProjectionReplay[];
}

export interface ReplayOptions {
  db: Database;
  store: EventStore;
  projections: readonly Projection[];
  /** Called after each batch with the fraction of the log replayed so far (0..1) and the events read. */
  onProgress?(fraction: number, events: number): void;
  batchSize?: number;
  /** Keep the replay schemas for inspection (default: dropped). */
  keep?: boolean;
}

export function replaySchema(name: string): string {
  return `replay_${name}`;
}

interface Target {
  projection: Projection;
  generation: number;
  /** How far the replay has applied. */
  position: Position;
  /** The live generation's position when the replay started. */
  until: Position;
}

async function applyEvents(tx: Queryable, projection: Projection, events: readonly RecordedEvent[]): Promise<void> {
  await tx.exec(`set local search_path to ${replaySchema(projection.name)}, public`);
  const coalescing = new CoalescingQueryable(tx);
  await applyHandlers(projection, events, coalescing);
  await coalescing.flush();
}

async function compareTable(tx: Queryable, live: string, replay: string, table: string): Promise<TableComparison> {
  const count = async (sql: string) => Number((await tx.query<{ n: string | number }>(sql)).rows[0].n);
  // Whole rows as text: every column type compares, json included.
  const rows = (schema: string) => `select t::text as r from ${schema}.${table} t`;
  return {
    table,
    liveRows: await count(`select count(*) as n from ${live}.${table}`),
    replayRows: await count(`select count(*) as n from ${replay}.${table}`),
    onlyLive: await count(`select count(*) as n from (${rows(live)} except all ${rows(replay)}) d`),
    onlyReplay: await count(`select count(*) as n from (${rows(replay)} except all ${rows(live)}) d`),
  };
}

/** Reads the log once, from the start, feeding each projection the events up to its target. */
async function replayLog(options: ReplayOptions, targets: Target[]): Promise<number> {
  const { db, store, batchSize = 2000 } = options;
  const end = targets.reduce((max, t) => (comparePositions(t.until, max) > 0 ? t.until : max), START);
  let after = START;
  let read = 0;
  while (comparePositions(after, end) < 0) {
    const batch = await store.readAll({ after, limit: batchSize });
    if (batch.length === 0) break;
    await db.transaction(async (tx) => {
      for (const target of targets) {
        const events = batch.filter((e) => comparePositions(e.position, target.until) <= 0);
        if (events.length === 0) continue;
        await applyEvents(tx, target.projection, events);
        target.position = events[events.length - 1].position;
      }
    });
    after = batch[batch.length - 1].position;
    read += batch.length;
    const fraction = end.prepare <= 0n ? 1 : Math.min(1, Number(after.prepare) / Number(end.prepare));
    options.onProgress?.(fraction, read);
  }
  return read;
}

/**
 * Compares one projection against its live generation. The replay first catches up, outside any lock, with
 * the position the live generation's checkpoint row holds; then, in a transaction holding that row (the
 * runner writes it with every batch), the comparison runs if the live copy has not moved since, and the
 * whole step is tried again if it has. The store is never read inside that transaction: on PGlite a read
 * outside it would wait for it forever.
 */
async function compare(options: ReplayOptions, target: Target): Promise<ProjectionReplay> {
  const { db, store } = options;
  const name = target.projection.name;
  for (;;) {
    const live = await liveGeneration(db, name);
    if (!live || live.generation !== target.generation) {
      return { name, skipped: "the live generation changed during the replay; run it again", equal: false, tables: [] };
    }
    while (comparePositions(target.position, live.position) < 0) {
      const batch = (await store.readAll({ after: target.position, limit: 2000 }))
        .filter((e) => comparePositions(e.position, live.position) <= 0);
      if (batch.length === 0) break;
      await db.transaction((tx) => applyEvents(tx, target.projection, batch));
      target.position = batch[batch.length - 1].position;
    }
    const result = await db.transaction(async (tx): Promise<ProjectionReplay | undefined> => {
      const { rows } = await tx.query<{ position_commit: string; position_prepare: string }>(
        `select position_commit::text, position_prepare::text from projection_generations
          where name = $1 and generation = $2 and status = 'live' for share`, [name, target.generation]);
      if (!rows[0]) return { name, skipped: "the live generation changed during the replay; run it again", equal: false, tables: [] };
      const livePosition = { commit: BigInt(rows[0].position_commit), prepare: BigInt(rows[0].position_prepare) };
      if (comparePositions(livePosition, live.position) !== 0) return undefined;
      await tx.exec("set local search_path to public");
      const liveSchema = generationSchema(name, target.generation);
      const tables: TableComparison[] = [];
      for (const table of target.projection.tables) tables.push(await compareTable(tx, liveSchema, replaySchema(name), table));
      return {
        name, generation: target.generation, position: formatPosition(livePosition),
        equal: tables.every((t) => t.onlyLive === 0 && t.onlyReplay === 0), tables,
      };
    });
    if (result) return result;
  }
}

export async function replayAndCompare(options: ReplayOptions): Promise<ReplayReport> {
  const { db, projections } = options;
  await ensureCatalog(db);
  const results = new Map<string, ProjectionReplay>();
  const targets: Target[] = [];
  for (const projection of projections) {
    const live = await liveGeneration(db, projection.name);
    if (!live || live.version !== projection.version) {
      results.set(projection.name, { name: projection.name, equal: false, tables: [],
        skipped: live ? `the live generation is of version ${live.version}, this code's is ${projection.version}` : "no live generation" });
      continue;
    }
    const schema = replaySchema(projection.name);
    await db.transaction(async (tx) => {
      await tx.exec(`drop schema if exists ${schema} cascade; create schema ${schema};`);
      await tx.exec(`set local search_path to ${schema}, public; ${projection.schema}`);
    });
    targets.push({ projection, generation: live.generation, position: START, until: live.position });
  }
  try {
    const events = await replayLog(options, targets);
    for (const target of targets) {
      const compared = await compare(options, target);
      const stuck = await stuckOn(options.db, options.store, target.projection);
      results.set(target.projection.name, stuck ? { ...compared, equal: false, stuck: stuck.message } : compared);
    }
    const ordered = projections.map((p) => results.get(p.name)!);
    return { equal: ordered.every((r) => r.equal), events, projections: ordered };
  } finally {
    if (!options.keep) {
      for (const target of targets) await db.exec(`drop schema if exists ${replaySchema(target.projection.name)} cascade`);
    }
  }
}
