/** Reads of the shares read model (projections/shares.ts) and the one secrets lookup sharing needs. */
import type { Actor } from "../../events/actor.js";
import type { Queryable } from "../db/database.js";
import { isUuid, rowDate } from "../db/rows.js";

export interface ShareListing {
  id: string;
  secretId: string;
  secretPath: string;
  recipientType: string;
  recipient: Actor | null;
  recipientEmail: string | null;
  createdBy: Actor;
  status: "pending" | "accepted" | "declined" | "open" | "revoked" | "expired";
  accessCount: number;
  maxAccessCount: number;
  hasPassphrase: boolean;
  expiresAt: Date;
  createdAt: Date;
}

interface ShareRow {
  id: string; secret_id: string; secret_path: string; recipient_type: string; recipient_kind: "user" | "agent" | null;
  recipient_id: string | null; recipient_email: string | null; created_by_type: "user" | "agent"; created_by: string;
  status: ShareListing["status"]; access_count: number; max_access_count: number; has_passphrase: boolean;
  expires_at: Date | string; created_at: Date | string;
}

const SELECT = `select id, secret_id, secret_path, recipient_type, recipient_kind, recipient_id, recipient_email,
  created_by_type, created_by, status, access_count, max_access_count, has_passphrase, expires_at, created_at from shares`;

function toListing(row: ShareRow): ShareListing {
  return {
    id: row.id, secretId: row.secret_id, secretPath: row.secret_path, recipientType: row.recipient_type,
    recipient: row.recipient_kind && row.recipient_id ? { type: row.recipient_kind, id: row.recipient_id } : null,
    recipientEmail: row.recipient_email, createdBy: { type: row.created_by_type, id: row.created_by }, status: row.status,
    accessCount: row.access_count, maxAccessCount: row.max_access_count, hasPassphrase: row.has_passphrase,
    expiresAt: rowDate(row.expires_at), createdAt: rowDate(row.created_at),
  };
}

/** Shares sent to the user or agent, newest first. */
export async function listInboundShares(db: Queryable, recipient: Actor): Promise<ShareListing[]> {
  const { rows } = await db.query<ShareRow>(`${SELECT} where recipient_kind = $1 and recipient_id = $2
    order by created_at desc, id`, [recipient.type, recipient.id]);
  return rows.map(toListing);
}

/** Shares the user or agent created, newest first. */
export async function listOutboundShares(db: Queryable, creator: Actor): Promise<ShareListing[]> {
  const { rows } = await db.query<ShareRow>(`${SELECT} where created_by_type = $1 and created_by = $2
    order by created_at desc, id`, [creator.type, creator.id]);
  return rows.map(toListing);
}

/** Email shares to the (normalised) address that no account has claimed yet. */
export async function unclaimedEmailShareIds(db: Queryable, email: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `select id from shares where recipient_type = 'external_email' and recipient_id is null and recipient_email = $1`, [email]);
  return rows.map((row) => row.id);
}

export interface SecretPlace {
  id: string;
  vaultId: string;
  orgId: string;
  path: string;
}

/** A living secret's place by its id; undefined for unknown, deleted or malformed ids. */
export async function findLivingSecret(db: Queryable, secretId: string): Promise<SecretPlace | undefined> {
  if (!isUuid(secretId)) return undefined;
  const { rows } = await db.query<{ id: string; vault_id: string; org_id: string; path: string }>(
    `select id, vault_id, org_id, path from secrets where id = $1 and deleted_at is null`, [secretId]);
  const row = rows[0];
  return row && { id: row.id, vaultId: row.vault_id, orgId: row.org_id, path: row.path };
}

