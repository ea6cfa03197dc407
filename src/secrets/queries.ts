/** Reads of the secrets read model: listings (metadata only; values are never in read models). */
import type { Queryable } from "../db/database.js";
import { rowDate, rowJson, rowOptionalDate } from "../db/rows.js";

export interface SecretListing {
  id: string;
  path: string;
  type: string;
  version: number;
  metadata: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
  expiresAt: Date | null;
}

interface SecretRow {
  id: string;
  path: string;
  type: string;
  version: number;
  metadata: Record<string, unknown> | string;
  created_at: Date | string;
  updated_at: Date | string;
  expires_at: Date | string | null;
}

/** The vault's living (not deleted) secrets whose path starts with `prefix`, by path. */
export async function listVaultSecrets(db: Queryable, vaultId: string, prefix = ""): Promise<SecretListing[]> {
  // left(): a prefix is compared literally (LIKE would treat `%` and `_` in it as wildcards).
  const { rows } = await db.query<SecretRow>(
    `select id, path, type, version, metadata, created_at, updated_at, expires_at from secrets
     where vault_id = $1 and deleted_at is null and left(path, length($2)) = $2 order by path`,
    [vaultId, prefix],
  );
  return rows.map((row) => ({
    id: row.id, path: row.path, type: row.type, version: row.version,
    metadata: rowJson(row.metadata),
    createdAt: rowDate(row.created_at), updatedAt: rowDate(row.updated_at),
    expiresAt: rowOptionalDate(row.expires_at),
  }));
}

/** The ids of every secret ever written in a vault (deleted ones included). */
export async function secretIdsInVault(db: Queryable, vaultId: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(`select id from secrets where vault_id = $1`, [vaultId]);
  return rows.map((row) => row.id);
}
