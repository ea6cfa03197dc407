/**
 * Reporting views of an organisation, from rebuildable projections (projections/secret-inventory.ts and
 * projections/daily-reads.ts): plain indexed queries, nothing replayed.
 */
import type { Queryable } from "../db/database.js";
import { rowDate, rowOptionalDate } from "../db/rows.js";

export interface SecretCount { vaultId: string; type: string; count: number }

/** Living secrets per vault and type. */
export async function secretsPerVaultAndType(db: Queryable, orgId: string): Promise<SecretCount[]> {
  const { rows } = await db.query<{ vault_id: string; type: string; count: string | number }>(
    `select vault_id, type, count(*) as count from secret_inventory where org_id = $1 and not deleted
      group by vault_id, type order by vault_id, type`, [orgId]);
  return rows.map((row) => ({ vaultId: row.vault_id, type: row.type, count: Number(row.count) }));
}

export interface InventoryEntry {
  vaultId: string; secretId: string; path: string; type: string; version: number;
  valueChangedAt: Date; expiresAt: Date | null;
}

interface InventoryRow {
  vault_id: string; secret_id: string; path: string; type: string; version: number;
  value_changed_at: Date | string; expires_at: Date | string | null;
}

const SELECT = `select vault_id, secret_id, path, type, version, value_changed_at, expires_at from secret_inventory`;
const toEntry = (row: InventoryRow): InventoryEntry => ({
  vaultId: row.vault_id, secretId: row.secret_id, path: row.path, type: row.type, version: row.version,
  valueChangedAt: rowDate(row.value_changed_at), expiresAt: rowOptionalDate(row.expires_at),
});

/** Living secrets whose value has not changed (put or rotate) since `before`, oldest first. */
export async function secretsNotRotatedSince(db: Queryable, orgId: string, before: Date): Promise<InventoryEntry[]> {
  const { rows } = await db.query<InventoryRow>(
    `${SELECT} where org_id = $1 and not deleted and value_changed_at < $2 order by value_changed_at, secret_id`,
    [orgId, before.toISOString()]);
  return rows.map(toEntry);
}

/** Living secrets expiring in [from, until), soonest first. */
export async function secretsExpiringBetween(db: Queryable, orgId: string, from: Date, until: Date): Promise<InventoryEntry[]> {
  const { rows } = await db.query<InventoryRow>(
    `${SELECT} where org_id = $1 and not deleted and expires_at >= $2 and expires_at < $3 order by expires_at, secret_id`,
    [orgId, from.toISOString(), until.toISOString()]);
  return rows.map(toEntry);
}

export interface DailyReads { readerType: "user" | "agent"; readerId: string; day: string; reads: number }

/** Secret values given to each reader per UTC day, for days in [from, to] (dates `YYYY-MM-DD`). */
export async function readsPerDay(db: Queryable, orgId: string, range: { from: string; to: string; readerType?: "user" | "agent" }): Promise<DailyReads[]> {
  const { rows } = await db.query<{ reader_type: "user" | "agent"; reader_id: string; day: string; reads: string | number }>(
    `select reader_type, reader_id, to_char(day, 'YYYY-MM-DD') as day, reads from daily_reads
      where org_id = $1 and day between $2::date and $3::date and ($4::text is null or reader_type = $4)
      order by day, reader_type, reader_id`,
    [orgId, range.from, range.to, range.readerType ?? null]);
  return rows.map((row) => ({ readerType: row.reader_type, readerId: row.reader_id, day: row.day, reads: Number(row.reads) }));
}
