/**
 * Bookkeeping of read models in PostgreSQL: which generations of each projection exist, which one is live,
 * and how far each has got. A generation is a schema (`rm_<name>_<n>`) holding that build's tables; readers
 * query views in `public` with the tables' names, pointed at the live generation. A blue/green rebuild
 * builds generation n+1 beside the live one and swaps the views in one transaction.
 */
import type { Database, Queryable } from "../db/database.js";
import { START, type Position } from "../eventstore/port.js";
import type { Projection } from "../../projections/projection.js";

export type GenerationStatus = "building" | "live" | "retired";

export interface Generation {
  name: string;
  generation: number;
  version: number;
  status: GenerationStatus;
  position: Position;
  eventsApplied: bigint;
}

// Any constant will do: it only serialises our own DDL and swaps across processes.
const CATALOG_LOCK = 7_340_021;

/** SQLSTATE of a checkpoint that is no longer where its writer believed (another worker took over). */
const STALE_GENERATION = "KL409";

const CATALOG_DDL = `
create table if not exists projection_generations (
  name text not null,
  generation int not null,
  version int not null,
  status text not null check (status in ('building', 'live', 'retired')),
  position_commit numeric(20, 0) not null default -1,
  position_prepare numeric(20, 0) not null default -1,
  events_applied bigint not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (name, generation)
);
create unique index if not exists projection_generations_one_live
  on projection_generations (name) where status = 'live';
create unique index if not exists projection_generations_one_building
  on projection_generations (name) where status = 'building';
create table if not exists projection_rebuild_requests (
  name text primary key,
  requested_at timestamptz not null default now()
);
create or replace function projection_advance(p_name text, p_generation int, p_status text, p_from_commit numeric,
  p_from_prepare numeric, p_to_commit numeric, p_to_prepare numeric, p_applied bigint) returns void
language plpgsql as $$
begin
  update projection_generations
     set position_commit = p_to_commit, position_prepare = p_to_prepare, events_applied = events_applied + p_applied,
         updated_at = now()
   where name = p_name and generation = p_generation and status = p_status
     and position_commit = p_from_commit and position_prepare = p_from_prepare;
  if not found then
    raise exception 'projection % generation % is no longer % at its checkpoint', p_name, p_generation, p_status
      using errcode = '${STALE_GENERATION}';
  end if;
end;
$$;
`;

export function generationSchema(name: string, generation: number): string {
  return `rm_${name}_${generation}`;
}

interface GenerationRow {
  name: string;
  generation: number;
  version: number;
  status: GenerationStatus;
  position_commit: string;
  position_prepare: string;
  events_applied: string;
}

function toGeneration(row: GenerationRow): Generation {
  return {
    name: row.name,
    generation: row.generation,
    version: row.version,
    status: row.status,
    position: { commit: BigInt(row.position_commit), prepare: BigInt(row.position_prepare) },
    eventsApplied: BigInt(row.events_applied),
  };
}

const SELECT_GENERATION = `select name, generation, version, status, position_commit::text, position_prepare::text,
  events_applied::text from projection_generations`;

export async function ensureCatalog(db: Database): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query("select pg_advisory_xact_lock($1)", [CATALOG_LOCK]);
    await tx.exec(CATALOG_DDL);
  });
}

export async function listGenerations(db: Queryable, name?: string): Promise<Generation[]> {
  const result = name
    ? await db.query<GenerationRow>(`${SELECT_GENERATION} where name = $1 order by generation`, [name])
    : await db.query<GenerationRow>(`${SELECT_GENERATION} order by name, generation`);
  return result.rows.map(toGeneration);
}

export async function liveGeneration(db: Queryable, name: string): Promise<Generation | undefined> {
  const result = await db.query<GenerationRow>(`${SELECT_GENERATION} where name = $1 and status = 'live'`, [name]);
  return result.rows[0] && toGeneration(result.rows[0]);
}

/** Creates generation n+1 of a projection (schema and tables), live at once if it is the first. */
export async function createGeneration(db: Database, projection: Projection): Promise<Generation> {
  return db.transaction(async (tx) => {
    await tx.query("select pg_advisory_xact_lock($1)", [CATALOG_LOCK]);
    const existing = await listGenerations(tx, projection.name);
    const building = existing.find((g) => g.status === "building");
    if (building) return building;
    const generation = Math.max(0, ...existing.map((g) => g.generation)) + 1;
    const status: GenerationStatus = existing.some((g) => g.status === "live") ? "building" : "live";
    const schema = generationSchema(projection.name, generation);
    await tx.exec(`drop schema if exists ${schema} cascade; create schema ${schema};`);
    await tx.exec(`set local search_path to ${schema}, public; ${projection.schema}`);
    await tx.query(
      `insert into projection_generations (name, generation, version, status) values ($1, $2, $3, $4)`,
      [projection.name, generation, projection.version, status],
    );
    if (status === "live") await pointViews(tx, projection, schema);
    await tx.query("delete from projection_rebuild_requests where name = $1", [projection.name]);
    return { name: projection.name, generation, version: projection.version, status, position: START, eventsApplied: 0n };
  });
}

async function pointViews(tx: Queryable, projection: Projection, schema: string): Promise<void> {
  for (const table of projection.tables) {
    await tx.exec(`drop view if exists public.${table}; create view public.${table} as select * from ${schema}.${table};`);
  }
}

/**
 * The statement that records a batch as applied, to run in the transaction that applies it. Fenced: it fails
 * that transaction (isStaleGeneration) unless the generation is still in the expected status at the expected
 * position, so two runners that both believe they lead can never both apply the same events. Parameterless,
 * its values written in (numbers, and a name and status checked here), so that it goes to the database in
 * the round trip of the batch's `begin` (issue 12).
 */
export function advanceStatement(generation: Generation, to: Position, applied: number): string {
  const { name, status, position: from } = generation;
  if (!/^[a-z][a-z0-9_]*$/.test(name) || !["building", "live"].includes(status) ||
      !Number.isSafeInteger(generation.generation) || !Number.isSafeInteger(applied)) {
    throw new Error(`not a checkpoint: ${JSON.stringify({ name, status, generation: generation.generation, applied })}`);
  }
  // Bigints print as plain integers.
  return `select projection_advance('${name}', ${generation.generation}, '${status}', ${from.commit}, ${from.prepare}, ` +
    `${to.commit}, ${to.prepare}, ${applied})`;
}

/** The failure of an advanceStatement whose generation moved on without its writer. */
export function isStaleGeneration(error: unknown): boolean {
  return (error as { code?: unknown } | undefined)?.code === STALE_GENERATION;
}

/**
 * Makes a caught-up building generation live, in the transaction that applied its last batch. Caught up
 * means at or past both the store's head (as the caller last saw it) and the live generation. Takes the
 * live generation's row lock, so the live runner cannot slip in an event between the check and the swap.
 * Returns false (and changes nothing) when it is not caught up yet.
 */
export async function swapIfCaughtUp(
  tx: Queryable,
  projection: Projection,
  building: Generation,
  head: Position,
  compare: (a: Position, b: Position) => number,
): Promise<boolean> {
  if (compare(building.position, head) < 0) return false;
  await tx.query("select pg_advisory_xact_lock($1)", [CATALOG_LOCK]);
  const live = await tx.query<GenerationRow>(
    `${SELECT_GENERATION} where name = $1 and status = 'live' for update`,
    [projection.name],
  );
  const current = live.rows[0] && toGeneration(live.rows[0]);
  if (current && compare(building.position, current.position) < 0) return false;
  if (current) {
    await tx.query(`update projection_generations set status = 'retired', updated_at = now() where name = $1 and generation = $2`,
      [projection.name, current.generation]);
  }
  await tx.query(`update projection_generations set status = 'live', updated_at = now() where name = $1 and generation = $2`,
    [projection.name, building.generation]);
  await pointViews(tx, projection, generationSchema(projection.name, building.generation));
  return true;
}

/** Drops the schemas of retired generations (after a swap, once nothing reads them). */
export async function dropRetired(db: Database, name: string): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query("select pg_advisory_xact_lock($1)", [CATALOG_LOCK]);
    const retired = (await listGenerations(tx, name)).filter((g) => g.status === "retired");
    for (const g of retired) {
      await tx.exec(`drop schema if exists ${generationSchema(name, g.generation)} cascade`);
      await tx.query("delete from projection_generations where name = $1 and generation = $2", [name, g.generation]);
    }
  });
}

export async function requestRebuild(db: Queryable, name: string): Promise<void> {
  await db.query(
    "insert into projection_rebuild_requests (name) values ($1) on conflict (name) do update set requested_at = now()",
    [name],
  );
}

/** The projections whose rebuild was requested and not yet started: one query for every projection. */
export async function rebuildsRequested(db: Queryable): Promise<Set<string>> {
  const { rows } = await db.query<{ name: string }>("select name from projection_rebuild_requests");
  return new Set(rows.map((row) => row.name));
}
