/** A secret's metadata and current version as of T, from projections/secret-history.ts (never its value). */
import type { Actor } from "../../events/actor.js";
import type { Queryable } from "../db/database.js";
import { rowDate, rowJson, rowOptionalDate } from "../db/rows.js";

export interface SecretAsOf {
  secretId: string;
  path: string;
  type: string;
  version: number;
  /** Whether that version had been disabled by T. */
  versionDisabled: boolean;
  deleted: boolean;
  size: number;
  metadata: Record<string, unknown>;
  expiresAt: Date | null;
  maxAccessCount: number;
  writtenBy: Actor;
  versionCreatedAt: Date;
  /** When the state shown began, and ended (null: it still holds). */
  since: Date;
  until: Date | null;
}

interface HistoryRow {
  secret_id: string; path: string; type: string; version: number; version_disabled: boolean; deleted: boolean;
  size: number; metadata: Record<string, unknown> | string; expires_at: Date | string | null; max_access_count: number;
  written_by_type: "user" | "agent"; written_by_id: string; version_created_at: Date | string;
  since: Date | string; until: Date | string | null;
}

/** The secret as it stood at `at`; undefined if it did not exist yet. */
export async function secretAsOf(db: Queryable, query: { vaultId: string; path: string; at: Date }): Promise<SecretAsOf | undefined> {
  const { rows } = await db.query<HistoryRow>(
    `select h.secret_id, h.path, h.type, h.version, h.deleted, h.size, h.metadata, h.expires_at, h.max_access_count,
            h.written_by_type, h.written_by_id, h.version_created_at, lower(h.current) as since, upper(h.current) as until,
            exists (select 1 from secret_version_disables d
                     where d.secret_id = h.secret_id and d.version = h.version and d.disabled_at <= $3) as version_disabled
       from secret_history h
      where h.vault_id = $1 and h.path = $2 and h.current @> $3::timestamptz`,
    [query.vaultId, query.path, query.at.toISOString()]);
  const row = rows[0];
  if (!row) return undefined;
  return {
    secretId: row.secret_id, path: row.path, type: row.type, version: row.version, versionDisabled: row.version_disabled,
    deleted: row.deleted, size: row.size,
    metadata: rowJson(row.metadata),
    expiresAt: rowOptionalDate(row.expires_at), maxAccessCount: row.max_access_count,
    writtenBy: { type: row.written_by_type, id: row.written_by_id }, versionCreatedAt: rowDate(row.version_created_at),
    since: rowDate(row.since), until: rowOptionalDate(row.until),
  };
}
