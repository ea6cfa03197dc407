/** Reads of the policies read model: the policy routes' listings and the policies authorization weighs. */
import type { Permission } from "../../commands/policy.js";
import type { PolicyConditions } from "../../commands/rules/policy-conditions.js";
import type { Actor } from "../../events/actor.js";
import type { Queryable } from "../db/database.js";
import { isUuid, rowDate, rowJson, rowOptionalDate } from "../db/rows.js";

export interface PolicyRecord {
  id: string;
  vaultId: string;
  orgId: string;
  pattern: string;
  principal: Actor;
  permissions: Permission[];
  conditions: PolicyConditions;
  expiresAt: Date | null;
  effect: "allow" | "deny";
  priority: number;
  createdBy: Actor;
  createdAt: Date;
}

interface PolicyRow {
  id: string;
  vault_id: string;
  org_id: string;
  secret_path_pattern: string;
  principal_type: "user" | "agent";
  principal_id: string;
  permissions: Permission[] | string;
  conditions: PolicyConditions | string;
  expires_at: Date | string | null;
  effect: "allow" | "deny";
  priority: number;
  created_by_type: "user" | "agent";
  created_by: string;
  created_at: Date | string;
}

const SELECT = `select id, vault_id, org_id, secret_path_pattern, principal_type, principal_id, permissions, conditions,
  expires_at, effect, priority, created_by_type, created_by, created_at from policies`;

function toRecord(row: PolicyRow): PolicyRecord {
  return {
    id: row.id,
    vaultId: row.vault_id,
    orgId: row.org_id,
    pattern: row.secret_path_pattern,
    principal: { type: row.principal_type, id: row.principal_id },
    permissions: rowJson(row.permissions),
    conditions: rowJson(row.conditions),
    expiresAt: rowOptionalDate(row.expires_at),
    effect: row.effect,
    priority: row.priority,
    createdBy: { type: row.created_by_type, id: row.created_by },
    createdAt: rowDate(row.created_at),
  };
}

/** Every live policy of a vault (expired ones included: the owner sees what they wrote), oldest first. */
export async function listVaultPolicies(db: Queryable, vaultId: string): Promise<PolicyRecord[]> {
  const { rows } = await db.query<PolicyRow>(`${SELECT} where vault_id = $1 order by created_at, id`, [vaultId]);
  return rows.map(toRecord);
}

export async function findPolicy(db: Queryable, vaultId: string, policyId: string): Promise<PolicyRecord | undefined> {
  if (!isUuid(policyId)) return undefined;
  const row = (await db.query<PolicyRow>(`${SELECT} where id = $1 and vault_id = $2`, [policyId, vaultId])).rows[0];
  return row && toRecord(row);
}

/** The policies naming one principal on one vault. */
export async function principalVaultPolicies(
  db: Queryable, vaultId: string, principal: Actor,
): Promise<PolicyRecord[]> {
  const { rows } = await db.query<PolicyRow>(
    `${SELECT} where vault_id = $1 and principal_type = $2 and principal_id = $3 order by created_at, id`,
    [vaultId, principal.type, principal.id],
  );
  return rows.map(toRecord);
}

/** The principal's unexpired allow policies, every vault (what an agent's token scopes derive from). */
export async function principalAllowPolicies(
  db: Queryable, principal: Actor, now: Date,
): Promise<PolicyRecord[]> {
  const { rows } = await db.query<PolicyRow>(
    `${SELECT} where principal_type = $1 and principal_id = $2 and effect = 'allow'
       and (expires_at is null or expires_at > $3) order by created_at, id`,
    [principal.type, principal.id, now.toISOString()],
  );
  return rows.map(toRecord);
}
