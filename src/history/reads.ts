/** "Who did read this secret between T1 and T2", from the reads read model (projections/secret-reads.ts). */
import type { Actor } from "../../events/actor.js";
import type { Queryable } from "../db/database.js";

export interface SecretRead {
  eventId: string;
  reader: Actor;
  version: number;
  policyId: string | null;
  readAt: Date;
}

interface ReadRow {
  event_id: string;
  reader_type: "user" | "agent";
  reader_id: string;
  version: number;
  policy_id: string | null;
  read_at: Date | string;
}

/** Reads of the path in [from, to), oldest first, at most `limit` after skipping `offset`; and their total. */
export async function whoDidRead(db: Queryable, query: {
  vaultId: string; path: string; from: Date; to: Date; limit: number; offset: number;
}): Promise<{ reads: SecretRead[]; count: number }> {
  const where = `vault_id = $1 and path = $2 and read_at >= $3 and read_at < $4`;
  const params = [query.vaultId, query.path, query.from.toISOString(), query.to.toISOString()];
  const [page, total] = await Promise.all([
    db.query<ReadRow>(
      `select event_id, reader_type, reader_id, version, policy_id, read_at from secret_reads where ${where}
        order by read_at, event_id limit $5 offset $6`, [...params, query.limit, query.offset]),
    db.query<{ count: string | number }>(`select count(*) as count from secret_reads where ${where}`, params),
  ]);
  return {
    reads: page.rows.map((row) => ({
      eventId: row.event_id, reader: { type: row.reader_type, id: row.reader_id }, version: row.version,
      policyId: row.policy_id, readAt: row.read_at instanceof Date ? row.read_at : new Date(row.read_at),
    })),
    count: Number(total.rows[0].count),
  };
}
