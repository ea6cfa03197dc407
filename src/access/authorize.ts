/**
 * Every access to a vault's secrets is decided here. In order: the vault must exist, be living and belong
 * to the caller's organisation (else 404: other organisations' vaults are not confirmed to exist); an agent
 * must be bound to the vault (its `vault_ids`, when set) and the path inside its explicit scopes (when
 * set); the vault's creator has full access; otherwise the caller's policies decide (evaluate.ts).
 * A refusal is a fact: it is recorded (AccessDenied) before the 403 goes out.
 */
import type { Permission } from "../../commands/policy.js";
import { VaultNotFound } from "../../commands/vault.js";
import { AccessDenied as AccessDeniedEvent } from "../../events/access.js";
import type { Services } from "../app/services.js";
import type { Principal } from "../auth/principal.js";
import type { Queryable } from "../db/database.js";
import { streamName, type EventMetadata } from "../eventstore/port.js";
import { findVaultById, listOrgVaults } from "../vaults/queries.js";
import { evaluatePolicies } from "../../commands/rules/policy-evaluation.js";
import { AccessDenied } from "./errors.js";
import { pathMatches } from "../../commands/rules/glob.js";
import { principalVaultPolicies } from "./policies.js";

export { AccessDenied };

/**
 * Records a refused request (the audit log shows who tried what, and why). Exported for refusals decided
 * elsewhere, such as managing a vault's policies without being its owner.
 */
export async function recordDenial(
  bus: Services["bus"], principal: Principal,
  denial: { action: string; vaultId: string; path?: string; reason: string; metadata: EventMetadata },
): Promise<void> {
  const resource = denial.path === undefined
    ? { type: "vault" as const, id: denial.vaultId }
    : { type: "secret" as const, id: `${denial.vaultId}/${denial.path}` };
  await bus.record(streamName("access_denied", principal.orgId), [AccessDeniedEvent.of({
    org_id: principal.orgId,
    actor: { type: principal.type, id: principal.id },
    action: denial.action,
    resource_type: resource.type,
    resource_id: resource.id,
    vault_id: denial.vaultId,
    ...(denial.path !== undefined && { path: denial.path }),
    reason: denial.reason,
  })], { metadata: denial.metadata, readYourWrites: false });
}

export interface AuthorizationRequest {
  vaultId: string;
  /** Canonical secret path (parseSecretPath); absent for vault-level operations such as listing. */
  path?: string;
  permission: Permission;
  ip: string;
  metadata: EventMetadata;
  /** The audit action recorded on refusal; defaults to `secret.<permission>` (`vault.<permission>` without a path). */
  action?: string;
}

/** The policy that granted access; absent when the caller is the vault's creator. */
export interface Authorization {
  policyId?: string;
}

/** An agent's explicit scope `*` (1claw's "everything") or `**` covers every path; others are path patterns. */
function inScopes(scopes: readonly string[], path: string): boolean {
  return scopes.some((scope) => scope === "*" || pathMatches(scope, path));
}

export async function authorize(
  services: Pick<Services, "db" | "lookups" | "bus" | "clock">, principal: Principal, request: AuthorizationRequest,
): Promise<Authorization> {
  const { bus, clock } = services;
  const db = services.lookups ?? services.db;
  const vault = await findVaultById(db, request.vaultId);
  if (!vault || vault.deletedAt || vault.orgId !== principal.orgId) throw new VaultNotFound(request.vaultId);

  const refuse = async (reason: string): Promise<never> => {
    const action = request.action ?? `${request.path === undefined ? "vault" : "secret"}.${request.permission}`;
    await recordDenial(bus, principal, {
      action, vaultId: vault.id, reason, metadata: request.metadata,
      ...(request.path !== undefined && { path: request.path }),
    });
    throw new AccessDenied(reason);
  };

  if (principal.type === "agent") {
    if (principal.vaultIds.length > 0 && !principal.vaultIds.includes(vault.id)) {
      return refuse("vault not in the agent's vault_ids");
    }
    if (request.path !== undefined && principal.scopes.length > 0 && !inScopes(principal.scopes, request.path)) {
      return refuse("path outside the agent's scopes");
    }
  }
  if (vault.createdBy.type === principal.type && vault.createdBy.id === principal.id) return {};

  const policies = await principalVaultPolicies(db, vault.id, principal);
  const decision = evaluatePolicies(policies, { path: request.path, permission: request.permission, ip: request.ip, at: clock() });
  if (!decision.allowed) return refuse(decision.reason);
  return { policyId: decision.policyId };
}

/**
 * For listings inside a vault the caller may read (after `authorize` without a path): which paths to show.
 * The same rules as `authorize` per path, without recording each hidden one as a refusal.
 */
export async function readablePathFilter(
  services: Pick<Services, "db" | "lookups" | "clock">, principal: Principal, vaultId: string, ip: string,
): Promise<(path: string) => boolean> {
  const db = services.lookups ?? services.db;
  const vault = await findVaultById(db, vaultId);
  if (!vault || vault.deletedAt || vault.orgId !== principal.orgId) return () => false;
  const inScope = (path: string) => principal.type !== "agent" || principal.scopes.length === 0 || inScopes(principal.scopes, path);
  if (vault.createdBy.type === principal.type && vault.createdBy.id === principal.id) return inScope;
  const policies = await principalVaultPolicies(db, vault.id, principal);
  const at = services.clock();
  return (path) => inScope(path) && evaluatePolicies(policies, { path, permission: "read", ip, at }).allowed;
}

/**
 * The vaults a caller may see in listings: all of the organisation's for its owners and admins; otherwise
 * those it created and those where it holds any policy (an agent's further limited by its `vault_ids`).
 */
export async function visibleVaultIds(db: Queryable, principal: Principal): Promise<string[] | "all"> {
  if (principal.type === "user" && (principal.role === "owner" || principal.role === "admin")) return "all";
  const vaults = await listOrgVaults(db, principal.orgId);
  const { rows } = await db.query<{ vault_id: string }>(
    `select distinct vault_id from policies where principal_type = $1 and principal_id = $2 and org_id = $3`,
    [principal.type, principal.id, principal.orgId],
  );
  const withPolicy = new Set(rows.map((row) => row.vault_id));
  return vaults
    .filter((vault) => (vault.createdBy.type === principal.type && vault.createdBy.id === principal.id) || withPolicy.has(vault.id))
    .filter((vault) => principal.type !== "agent" || principal.vaultIds.length === 0 || principal.vaultIds.includes(vault.id))
    .map((vault) => vault.id);
}
