/** Reads of the users read model (projections/users.ts). */
import type { Queryable } from "../db/database.js";
import { isUuid } from "../db/rows.js";

export type Role = "owner" | "admin" | "member";

/** What authentication needs to know about a user. Deleted or removed users are inactive. */
export interface UserRecord {
  id: string;
  orgId: string;
  email: string;
  role: Role;
  active: boolean;
}

export interface UserProfile extends UserRecord {
  displayName: string;
  authMethod: string;
  marketingEmails: boolean;
  totpEnabled: boolean;
  createdAt: Date;
}

interface UserRow {
  id: string; org_id: string; email: string; role: Role; active: boolean; display_name: string; auth_method: string;
  marketing_emails: boolean; totp_enabled: boolean; created_at: Date | string;
}

const COLUMNS = `id, org_id, email, role, active, display_name, auth_method, marketing_emails, totp_enabled, created_at`;

function toProfile(row: UserRow): UserProfile {
  return {
    id: row.id, orgId: row.org_id, email: row.email, role: row.role, active: row.active, displayName: row.display_name,
    authMethod: row.auth_method, marketingEmails: row.marketing_emails, totpEnabled: row.totp_enabled,
    createdAt: new Date(row.created_at),
  };
}

export async function findUserById(db: Queryable, id: string): Promise<UserProfile | undefined> {
  if (!isUuid(id)) return undefined;
  const { rows } = await db.query<UserRow>(`select ${COLUMNS} from users where id = $1`, [id]);
  return rows[0] && toProfile(rows[0]);
}

/** The active user with this (normalised) address. */
export async function findUserByEmail(db: Queryable, email: string): Promise<UserProfile | undefined> {
  const { rows } = await db.query<UserRow>(`select ${COLUMNS} from users where email = $1 and active`, [email]);
  return rows[0] && toProfile(rows[0]);
}

export async function listOrgMembers(db: Queryable, orgId: string): Promise<UserProfile[]> {
  const { rows } = await db.query<UserRow>(
    `select ${COLUMNS} from users where org_id = $1 and active order by created_at, id`, [orgId]);
  return rows.map(toProfile);
}
