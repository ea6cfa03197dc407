/**
 * One small interface over the two PostgreSQL engines we run on: a real server through `pg`, and PGlite
 * in-process. Everything above this file speaks SQL through it and does not care which it is.
 *
 * Bigints are cast to text in SQL where they matter: the two drivers parse int8 differently.
 */
import type { Queryable } from "../../projections/queryable.js";

// What a projection writes through is the domain's (projections/queryable.ts); both engines implement it.
export type { Queryable, QueryResult } from "../../projections/queryable.js";

export interface Database extends Queryable {
  readonly engine: "postgres" | "pglite";
  /** Runs fn in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs fn on one dedicated connection (session-level advisory locks need the same backend). */
  session<T>(fn: (session: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
