/**
 * "Who could read this secret at T": from the interval read model (projections/access-intervals.ts), the
 * grants in force on the vault at T (one GiST lookup), the standing of their principals at T (another), then
 * the same policy decision the live authorization makes (commands/rules/policy-evaluation.ts), at T.
 */
import { pathMatches } from "../../commands/rules/glob.js";
import type { PolicyConditions } from "../../commands/rules/policy-conditions.js";
import { evaluatePolicies } from "../../commands/rules/policy-evaluation.js";
import type { Actor } from "../../events/actor.js";
import type { PolicyRecord } from "../access/policies.js";
import type { Queryable } from "../db/database.js";
import { rowDate, rowJson, rowOptionalDate } from "../db/rows.js";

export interface ReadAccessAt {
  principal: Actor;
  /** "creator": the vault's creator (always full access); "policy": the policy `policyId` granted it. */
  via: "creator" | "policy";
  policyId?: string;
  /** The granting policy's address allowlist: the access held only from these addresses. */
  ipAllowlist?: string[];
  /** The period, containing T, during which this grant held unchanged (validTo null: still open). */
  validFrom: Date;
  validTo: Date | null;
}

interface GrantRow {
  policy_id: string | null;
  principal_type: "user" | "agent";
  principal_id: string;
  pattern: string;
  can_read: boolean;
  can_write: boolean;
  effect: "allow" | "deny";
  priority: number;
  conditions: PolicyConditions | string;
  valid_from: Date | string;
  valid_to: Date | string | null;
}

interface StandingRow {
  principal_type: "user" | "agent";
  principal_id: string;
  active: boolean;
  vault_ids: string[] | string | null;
  scopes: string[] | string | null;
}

const key = (type: string, id: string) => `${type}:${id}`;

function asPolicy(row: GrantRow, vaultId: string): PolicyRecord {
  const conditions = rowJson(row.conditions);
  return {
    id: row.policy_id!, vaultId, orgId: "", pattern: row.pattern,
    principal: { type: row.principal_type, id: row.principal_id },
    permissions: [...(row.can_read ? ["read" as const] : []), ...(row.can_write ? ["write" as const] : [])],
    // The address a reader would come from is unknown: an allowlist is taken as satisfiable and reported.
    conditions: { ...conditions, ip_allowlist: undefined },
    // The grant's period already ends at the policy's expiry.
    expiresAt: null,
    effect: row.effect, priority: row.priority,
    createdBy: { type: "user", id: "" }, createdAt: rowDate(row.valid_from),
  };
}

/** Principals with effective read access to `path` in the vault at `at`, in a stable order. */
export async function whoCouldRead(db: Queryable, query: { vaultId: string; path: string; at: Date }): Promise<ReadAccessAt[]> {
  const { rows: grants } = await db.query<GrantRow>(
    `select policy_id, principal_type, principal_id, pattern, can_read, can_write, effect, priority, conditions,
            lower(valid) as valid_from, upper(valid) as valid_to
       from access_grants where vault_id = $1 and valid @> $2::timestamptz`,
    [query.vaultId, query.at.toISOString()]);
  if (grants.length === 0) return [];
  const ids = [...new Set(grants.map((g) => g.principal_id))];
  const { rows: standings } = await db.query<StandingRow>(
    `select principal_type, principal_id, active, vault_ids, scopes from principal_periods
      where principal_id = any($1::uuid[]) and during @> $2::timestamptz
        and (expires_at is null or expires_at > $2::timestamptz)`,
    [ids, query.at.toISOString()]);
  const standing = new Map(standings.map((s) => [key(s.principal_type, s.principal_id), s]));
  const byPrincipal = new Map<string, GrantRow[]>();
  for (const grant of grants) {
    const k = key(grant.principal_type, grant.principal_id);
    byPrincipal.set(k, [...(byPrincipal.get(k) ?? []), grant]);
  }
  const result: ReadAccessAt[] = [];
  for (const [k, rows] of byPrincipal) {
    const state = standing.get(k);
    if (!state?.active) continue;
    const boundTo = state.vault_ids === null ? [] : rowJson<string[]>(state.vault_ids);
    if (boundTo.length > 0 && !boundTo.includes(query.vaultId)) continue;
    const scopes = state.scopes === null ? [] : rowJson<string[]>(state.scopes);
    if (scopes.length > 0 && !scopes.some((scope) => scope === "*" || pathMatches(scope, query.path))) continue;
    const principal = { type: rows[0].principal_type, id: rows[0].principal_id };
    const creator = rows.find((row) => row.policy_id === null);
    if (creator) {
      result.push({ principal, via: "creator", validFrom: rowDate(creator.valid_from),
        validTo: rowOptionalDate(creator.valid_to) });
      continue;
    }
    const decision = evaluatePolicies(rows.map((row) => asPolicy(row, query.vaultId)),
      { path: query.path, permission: "read", ip: "", at: query.at });
    if (!decision.allowed) continue;
    const granting = rows.find((row) => row.policy_id === decision.policyId)!;
    const allowlist = rowJson(granting.conditions).ip_allowlist;
    result.push({
      principal, via: "policy", policyId: decision.policyId, ...(allowlist && { ipAllowlist: allowlist }),
      validFrom: rowDate(granting.valid_from), validTo: rowOptionalDate(granting.valid_to),
    });
  }
  return result.sort((a, b) => key(a.principal.type, a.principal.id).localeCompare(key(b.principal.type, b.principal.id)));
}
