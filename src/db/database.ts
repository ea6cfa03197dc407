/**
 * One small interface over the two PostgreSQL engines we run on: a real server through `pg`, and PGlite
 * in-process. Everything above this file speaks SQL through it and does not care which it is.
 *
 * Bigints are cast to text in SQL where they matter: the two drivers parse int8 differently.
 */
import { Unavailable } from "../../commands/errors.js";
import type { Queryable } from "../../projections/queryable.js";

// What a projection writes through is the domain's (projections/queryable.ts); both engines implement it.
export type { Queryable, QueryResult } from "../../projections/queryable.js";

/**
 * The database server cannot be reached (refused, dropped, shutting down, starting up). Every caller sees
 * this one error whatever the driver said, and the HTTP layer answers 503: the request may be retried.
 */
export class DatabaseUnavailable extends Unavailable {
  constructor(readonly reason: string) {
    super(`the database is unavailable: ${reason}`, { detail: "the database is not answering; retry later" });
    this.name = "DatabaseUnavailable";
  }
}

export interface TransactionOptions {
  beforeCommit?(): string | undefined;
}

export interface Database extends Queryable {
  readonly engine: "postgres" | "pglite";
  /** False while the server is known to be unreachable (calls then fail at once with DatabaseUnavailable). */
  available(): boolean;
  /**
   * Runs fn in one transaction: committed if it resolves, rolled back if it throws. `beforeCommit`, asked when
   * fn resolved, names a statement to run in the transaction just before the commit (sent with it).
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** Runs fn on one dedicated connection (session-level advisory locks need the same backend). */
  session<T>(fn: (session: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
