import pg from "pg";
import type { Database, Queryable, QueryResult } from "./database.js";
import { ConnectionState } from "./connection-state.js";
import { isPreparedStatementFailure, StatementNames } from "./statement-names.js";

/** Statements on `client`; with `names`, parameterised ones may be sent as named prepared statements. */
function queryable(client: pg.Pool | pg.PoolClient, state: ConnectionState, names?: StatementNames): Queryable {
  const send = async (text: string, params: unknown[] | undefined) => {
    const name = params?.length ? names?.nameFor(text) : undefined;
    if (name === undefined) return client.query(text, params);
    try {
      return await client.query({ name, text, values: params });
    } catch (error) {
      if (!isPreparedStatementFailure(error)) throw error;
      names!.refuse(text);
      return client.query(text, params);
    }
  };
  return {
    async query<R>(text: string, params?: unknown[]): Promise<QueryResult<R>> {
      state.check();
      try {
        const result = await send(text, params);
        return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
      } catch (error) {
        throw state.translate(error);
      }
    },
    async exec(text: string) {
      state.check();
      try {
        await client.query(text);
      } catch (error) {
        throw state.translate(error);
      }
    },
  };
}

/**
 * A transaction's statements, with `begin` sent together with the first one when that one has no parameters
 * (a projection batch starts with its `set local`s): one round trip fewer per transaction.
 */
function beginningWithFirstStatement(statements: Queryable): Queryable & { commit(statement?: string): Promise<void> } {
  // Settles once `begin` went through (alone, or with the first statement); statements after it wait for it.
  let begun: Promise<void> | undefined;
  return {
    async query(text, params) {
      await (begun ??= statements.exec("begin"));
      return statements.query(text, params);
    },
    async exec(text) {
      if (begun) {
        await begun;
        return statements.exec(text);
      }
      await (begun = statements.exec(`begin; ${text}`));
    },
    async commit(statement?: string) {
      if (!begun) return;
      await begun;
      await statements.exec(statement ? `${statement}; commit` : "commit");
    },
  };
}

export interface PostgresOptions {
  connectionString: string;
  /** Pool size. */
  max?: number;
  applicationName?: string;
  /** Told when the server stops and starts answering (for logs). */
  onUnavailable?(reason: string): void;
  onAvailable?(downForMs: number): void;
}

/** How long a connection attempt (or a wait for a free pooled connection) may take before it fails. */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * A connection pool to a PostgreSQL server. Losing the server never ends the process: every connection,
 * idle or checked out, has an error listener, and failures to reach the server become DatabaseUnavailable.
 * While the server is down calls fail at once; a probe notices its return (see ConnectionState).
 */
/** Resolves once a fresh connection (not the pool's) runs `select 1`; rejects with the failure otherwise. */
export async function databaseAnswers(connectionString: string, applicationName: string, timeoutMs: number): Promise<void> {
  const client = new pg.Client({ connectionString, application_name: applicationName, connectionTimeoutMillis: timeoutMs });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("select 1");
  } finally {
    await client.end().catch(() => {});
  }
}

export function openPostgres(options: PostgresOptions): Database {
  const applicationName = options.applicationName ?? "keyledger";
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 20,
    application_name: applicationName,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    keepAlive: true,
  });
  const state = new ConnectionState({
    // Generous: a slow, busy server is not a down one (a refused connection still fails at once).
    probe: () => databaseAnswers(options.connectionString, `${applicationName}-probe`, 5000),
    onDown: options.onUnavailable,
    onUp: options.onAvailable,
  });
  // pg-pool listens for errors only on idle clients: a checked-out client whose backend is terminated while
  // it waits between statements (a session holding advisory locks, a transaction awaiting its caller) would
  // emit an unhandled 'error' and end the process. The failure is seen by the client's next query.
  pool.on("connect", (client) => client.on("error", (error) => void state.translate(error)));
  pool.on("error", (error) => void state.translate(error));

  async function connect(): Promise<pg.PoolClient> {
    state.check();
    try {
      return await pool.connect();
    } catch (error) {
      throw state.translate(error);
    }
  }

  return {
    engine: "postgres",
    available: () => state.available,
    ...queryable(pool, state, new StatementNames()),
    async transaction(fn, options) {
      const client = await connect();
      let broken = false;
      try {
        const tx = beginningWithFirstStatement(queryable(client, state));
        const result = await fn(tx);
        await tx.commit(options?.beforeCommit?.());
        return result;
      } catch (error) {
        await client.query("rollback").catch(() => (broken = true));
        throw error;
      } finally {
        // A client whose rollback did not reach the server is not handed to anyone else.
        client.release(broken);
      }
    },
    async session(fn) {
      const client = await connect();
      let broken = false;
      try {
        return await fn(queryable(client, state));
      } catch (error) {
        broken = true;
        throw error;
      } finally {
        // A session may hold session-level state (advisory locks): never hand it back dirty after a failure.
        client.release(broken);
      }
    },
    async close() {
      state.close();
      await pool.end();
    },
  };
}
