/**
 * The policy decision, pure: given a principal's policies on a vault and one request, which policy
 * decides. Among the policies that match the path, grant the permission, are unexpired and whose
 * conditions hold, the highest priority wins; at equal priority a deny beats an allow. None: refused.
 */
import type { Permission } from "../policy.js";
import { pathMatches } from "./glob.js";
import { conditionsFailure, type PolicyConditions } from "./policy-conditions.js";

/** The terms of a policy that the decision weighs (a policies read-model record is one). */
export interface WeighedPolicy {
  id: string;
  pattern: string;
  permissions: readonly Permission[];
  conditions: PolicyConditions;
  expiresAt: Date | null;
  effect: "allow" | "deny";
  priority: number;
}

export interface AccessRequest {
  /** The secret path; absent for vault-level operations (listing a vault's secrets). */
  path?: string;
  permission: Permission;
  ip: string;
  at: Date;
}

export type PolicyDecision =
  | { allowed: true; policyId: string }
  | { allowed: false; reason: string; policyId?: string };

/**
 * A vault-level request (no path) is allowed by an allow policy of any pattern (the caller may see some of
 * the vault) and refused only by a deny policy covering the whole vault (`**`).
 */
function covers(policy: WeighedPolicy, path: string | undefined): boolean {
  if (path !== undefined) return pathMatches(policy.pattern, path);
  return policy.effect === "allow" || policy.pattern === "**";
}

export function evaluatePolicies(policies: readonly WeighedPolicy[], request: AccessRequest): PolicyDecision {
  let failedCondition: string | undefined;
  const applicable = policies.filter((policy) => {
    if (!policy.permissions.includes(request.permission) || !covers(policy, request.path)) return false;
    if (policy.expiresAt && policy.expiresAt <= request.at) return false;
    const failure = conditionsFailure(policy.conditions, { ip: request.ip, at: request.at });
    if (failure && policy.effect === "allow") failedCondition ??= failure;
    return failure === undefined;
  });
  if (applicable.length === 0) return { allowed: false, reason: failedCondition ?? "no matching policy" };
  const top = Math.max(...applicable.map((policy) => policy.priority));
  const deciding = applicable.filter((policy) => policy.priority === top);
  const deny = deciding.find((policy) => policy.effect === "deny");
  if (deny) return { allowed: false, reason: `denied by policy ${deny.id}`, policyId: deny.id };
  return { allowed: true, policyId: deciding[0].id };
}
