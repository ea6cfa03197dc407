import { PGlite } from "@electric-sql/pglite";
import { btree_gist } from "@electric-sql/pglite/contrib/btree_gist";
import type { Database, Queryable, QueryResult } from "./database.js";

interface PgliteLike {
  query<R>(text: string, params?: unknown[]): Promise<{ rows: R[]; affectedRows?: number }>;
  exec(text: string): Promise<unknown>;
}

function queryable(db: PgliteLike): Queryable {
  return {
    async query<R>(text: string, params?: unknown[]): Promise<QueryResult<R>> {
      const result = await db.query<R>(text, params);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
    async exec(text: string) {
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
  const base = queryable(pglite as unknown as PgliteLike);
  return {
    engine: "pglite",
    // In-process: there is no connection to lose.
    available: () => true,
    pglite,
    ...base,
    transaction(fn, options) {
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
