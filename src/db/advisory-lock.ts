/**
 * Work that one process at a time may do, among every API process on the same database (KEYLEDGER_WORKERS,
 * or several machines): a session-level advisory lock, held on a dedicated connection while the work runs.
 * If that connection is lost, PostgreSQL releases the lock; the work itself runs on other connections.
 */
import type { Database } from "./database.js";

/** Namespace of these locks (the second key is hashtext(name)); projections and the catalog use their own. */
const EXCLUSIVE_WORK_LOCK = 7_340_023;

/** Runs fn while holding the lock named `name`, or answers `{ ran: false }` at once when another session holds it. */
export async function whileHoldingLock<T>(db: Database, name: string, fn: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
  return db.session(async (session) => {
    const { rows } = await session.query<{ held: boolean }>(
      "select pg_try_advisory_lock($1, hashtext($2)) as held", [EXCLUSIVE_WORK_LOCK, name]);
    if (!rows[0].held) return { ran: false };
    try {
      return { ran: true, value: await fn() };
    } finally {
      await session.query("select pg_advisory_unlock($1, hashtext($2))", [EXCLUSIVE_WORK_LOCK, name]).catch(() => undefined);
    }
  });
}
