import pg from "pg";
import type { Database, Queryable, QueryResult } from "./database.js";

function queryable(client: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<R>(text: string, params?: unknown[]): Promise<QueryResult<R>> {
      const result = await client.query(text, params as unknown[]);
      return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
    },
    async exec(text: string) {
      await client.query(text);
    },
  };
}

export interface PostgresOptions {
  connectionString: string;
  /** Pool size. */
  max?: number;
  applicationName?: string;
}

/** A connection pool to a PostgreSQL server. */
export function openPostgres(options: PostgresOptions): Database {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 20,
    application_name: options.applicationName ?? "keyledger",
  });
  // An idle client that loses its server must not crash the process; the next query reports it.
  pool.on("error", () => {});
  const base = queryable(pool);
  return {
    engine: "postgres",
    ...base,
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query("begin");
        const result = await fn(queryable(client));
        await client.query("commit");
        return result;
      } catch (error) {
        await client.query("rollback").catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    async session(fn) {
      const client = await pool.connect();
      let broken = false;
      try {
        return await fn(queryable(client));
      } catch (error) {
        broken = true;
        throw error;
      } finally {
        // A session may hold session-level state (advisory locks): never hand it back dirty after a failure.
        client.release(broken);
      }
    },
    async close() {
      await pool.end();
    },
  };
}
