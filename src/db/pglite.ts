import { PGlite } from "@electric-sql/pglite";
import { btree_gist } from "@electric-sql/pglite/contrib/btree_gist";
import type { Database, Queryable, QueryResult } from "./database.js";

interface PgliteLike {
  query<R>(text: string, params?: unknown[]): Promise<{ rows: R[]; affectedRows?: number }>;
  exec(text: string): Promise<unknown>;
}

/**
 * Lets PGlite work start at most once per turn of the event loop. PGlite runs a statement synchronously in
 * this thread, and statements queued behind its lock follow each other in one drain of the microtask queue,
 * so under load one turn ran the work of every request in flight (~50 ms at 64 connections). libuv accepts
 * one connection per turn, so 64 new connections to a busy server waited up to 2 s for their first answer.
 * Started one per turn, a turn is one statement and what follows it, and the poll between turns accepts and
 * reads new requests. Statements inside a transaction are not held back: the transaction has the database.
 */
class TurnGate {
  private readonly waiting: Array<() => void> = [];
  private scheduled = false;

  /** Resolves in a later turn, after the work that asked before it. */
  next(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // An immediate set from within an immediate runs in the next turn, after that turn's poll for I/O.
    setImmediate(() => {
      this.scheduled = false;
      this.waiting.shift()?.();
      if (this.waiting.length > 0) this.schedule();
    });
  }
}

function queryable(db: PgliteLike, gate?: TurnGate): Queryable {
  return {
    async query<R>(text: string, params?: unknown[]): Promise<QueryResult<R>> {
      await gate?.next();
      const result = await db.query<R>(text, params);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
    async exec(text: string) {
      await gate?.next();
      await db.exec(text);
    },
  };
}

export interface PgliteOptions {
  /** Directory of the database files; in memory when absent. */
  dataDir?: string;
  /** A dump made by `dumpDataDir()` to start from (much faster than initialising a new cluster). */
  loadDataDir?: Blob;
}

/** PostgreSQL running in this process (WASM). One backend: transactions are serialised by PGlite. */
export async function openPglite(options: PgliteOptions = {}): Promise<Database & { pglite: PGlite }> {
  const pglite = await PGlite.create({
    dataDir: options.dataDir,
    loadDataDir: options.loadDataDir,
    extensions: { btree_gist },
  });
  const gate = new TurnGate();
  const base = queryable(pglite as unknown as PgliteLike, gate);
  return {
    engine: "pglite",
    // In-process: there is no connection to lose.
    available: () => true,
    pglite,
    ...base,
    async transaction(fn, options) {
      await gate.next();
      return pglite.transaction(async (tx) => {
        const statements = queryable(tx as unknown as PgliteLike);
        const result = await fn(statements);
        const last = options?.beforeCommit?.();
        if (last) await statements.exec(last);
        return result;
      });
    },
    session(fn) {
      return fn(base);
    },
    async close() {
      if (!pglite.closed) await pglite.close();
    },
  };
}
