/** Reads of the vaults read model: what authorization, listings and the vault routes ask. */
import type { Actor } from "../../events/actor.js";
import type { Queryable } from "../db/database.js";
import { isUuid, rowDate } from "../db/rows.js";

export interface VaultRecord {
  id: string;
  orgId: string;
  name: string;
  description?: string;
  createdBy: Actor;
  createdAt: Date;
  /** Set once the vault is deleted (its KEK destroyed). */
  deletedAt?: Date;
  kekId: string;
  /** The organisation's `__agent-keys` vault. */
  system: boolean;
  /** Fingerprint of the customer-managed key in force; null when CMEK is off. */
  cmekFingerprint: string | null;
  /** The CMEK rotation job running on the vault, if any. */
  cmekRotationJobId: string | null;
}

interface VaultRow {
  id: string;
  org_id: string;
  name: string;
  description: string | null;
  kek_id: string;
  created_by_type: "user" | "agent";
  created_by: string;
  system: boolean;
  created_at: Date | string;
  deleted_at: Date | string | null;
  cmek_fingerprint: string | null;
  cmek_rotation_job_id: string | null;
}

const SELECT = `select id, org_id, name, description, kek_id, created_by_type, created_by, system, created_at, deleted_at,
  cmek_fingerprint, cmek_rotation_job_id from vaults`;

function toRecord(row: VaultRow): VaultRecord {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    ...(row.description !== null && { description: row.description }),
    createdBy: { type: row.created_by_type, id: row.created_by },
    createdAt: rowDate(row.created_at),
    ...(row.deleted_at !== null && { deletedAt: rowDate(row.deleted_at) }),
    kekId: row.kek_id,
    system: row.system,
    cmekFingerprint: row.cmek_fingerprint,
    cmekRotationJobId: row.cmek_rotation_job_id,
  };
}

/** A vault by id, deleted or not (deleted ones carry deletedAt); undefined for unknown or malformed ids. */
export async function findVaultById(db: Queryable, id: string): Promise<VaultRecord | undefined> {
  if (!isUuid(id)) return undefined;
  const row = (await db.query<VaultRow>(`${SELECT} where id = $1`, [id])).rows[0];
  return row && toRecord(row);
}

/** The organisation's living vaults, oldest first. */
export async function listOrgVaults(db: Queryable, orgId: string): Promise<VaultRecord[]> {
  const { rows } = await db.query<VaultRow>(`${SELECT} where org_id = $1 and deleted_at is null order by created_at, id`,
    [orgId]);
  return rows.map(toRecord);
}

/** The organisation's living system vault for agents' identity keys, if it has one yet. */
export async function findAgentKeysVault(db: Queryable, orgId: string): Promise<VaultRecord | undefined> {
  const row = (await db.query<VaultRow>(`${SELECT} where org_id = $1 and system and deleted_at is null`, [orgId])).rows[0];
  return row && toRecord(row);
}
