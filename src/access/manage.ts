/**
 * Managing a vault's policies: only humans, and of those only the vault's creator and the organisation's
 * owners and admins. The policy's principal must be a user or agent of the vault's organisation.
 */
import { policyAggregate, PolicyNotFound, type PolicyCommand, type PolicyTerms } from "../../commands/policy.js";
import { VaultNotFound } from "../../commands/vault.js";
import type { Actor } from "../../events/actor.js";
import { findAgentById } from "../agents/queries.js";
import type { Services } from "../app/services.js";
import { requireUser } from "../auth/guards.js";
import type { Principal, UserPrincipal } from "../auth/principal.js";
import { type EventMetadata } from "../eventstore/port.js";
import { findUserById } from "../humans/queries.js";
import { findVaultById, type VaultRecord } from "../vaults/queries.js";
import { recordDenial } from "./authorize.js";
import { PolicyNotManageable, UnknownPolicyPrincipal } from "./errors.js";
import { findPolicy, type PolicyRecord } from "./policies.js";

type ManageServices = Pick<Services, "db" | "bus" | "clock">;

/**
 * The vault, if the caller may manage its policies. A vault of another organisation, unknown or deleted is
 * 404; agents, and members who did not create the vault, are refused (403) and the refusal recorded.
 */
export async function requirePolicyManager(
  services: ManageServices, principal: Principal, vaultId: string, action: string, metadata: EventMetadata,
): Promise<{ user: UserPrincipal; vault: VaultRecord }> {
  const vault = await findVaultById(services.db, vaultId);
  if (!vault || vault.deletedAt || vault.orgId !== principal.orgId) throw new VaultNotFound(vaultId);
  if (principal.type === "agent") {
    await recordDenial(services.bus, principal, { action, vaultId: vault.id, reason: "agents cannot manage policies", metadata });
  }
  const user = requireUser(principal);
  const isCreator = vault.createdBy.type === "user" && vault.createdBy.id === user.id;
  if (!isCreator && user.role !== "owner" && user.role !== "admin") {
    await recordDenial(services.bus, user, { action, vaultId: vault.id, reason: "not a manager of this vault", metadata });
    throw new PolicyNotManageable();
  }
  return { user, vault };
}

async function requireOrgPrincipal(services: ManageServices, orgId: string, principal: Actor) {
  const found = principal.type === "user"
    ? await findUserById(services.db, principal.id)
    : await findAgentById(services.db, principal.id, services.clock());
  if (!found || found.orgId !== orgId) throw new UnknownPolicyPrincipal(principal.type);
}

const run = (services: ManageServices, command: PolicyCommand, metadata: EventMetadata) =>
  services.bus.handle(policyAggregate, command.policyId, command, { metadata });

async function current(services: ManageServices, vaultId: string, policyId: string): Promise<PolicyRecord> {
  const policy = await findPolicy(services.db, vaultId, policyId);
  if (!policy) throw new Error(`policy ${policyId} was recorded but the read model does not show it yet`);
  return policy;
}

export async function createPolicy(
  services: ManageServices,
  by: UserPrincipal,
  vault: VaultRecord,
  policy: { policyId: string; pattern: string; principal: Actor; terms: PolicyTerms },
  metadata: EventMetadata,
): Promise<PolicyRecord> {
  await requireOrgPrincipal(services, vault.orgId, policy.principal);
  await run(services, {
    type: "CreatePolicy", policyId: policy.policyId, vaultId: vault.id, orgId: vault.orgId, pattern: policy.pattern,
    principal: policy.principal, terms: policy.terms, createdBy: { type: "user", id: by.id },
  }, metadata);
  return current(services, vault.id, policy.policyId);
}

/** Replaces the terms; a term the request leaves out keeps its current value. */
export async function updatePolicy(
  services: ManageServices,
  by: UserPrincipal,
  vault: VaultRecord,
  policyId: string,
  changes: Partial<PolicyTerms>,
  metadata: EventMetadata,
): Promise<PolicyRecord> {
  const existing = await findPolicy(services.db, vault.id, policyId);
  if (!existing) throw new PolicyNotFound(policyId);
  const terms: PolicyTerms = {
    permissions: changes.permissions ?? existing.permissions,
    conditions: changes.conditions ?? existing.conditions,
    expiresAt: changes.expiresAt !== undefined ? changes.expiresAt : existing.expiresAt,
    effect: changes.effect ?? existing.effect,
    priority: changes.priority ?? existing.priority,
  };
  await run(services, { type: "UpdatePolicy", policyId, vaultId: vault.id, terms, updatedBy: { type: "user", id: by.id } },
    metadata);
  return current(services, vault.id, policyId);
}

export async function deletePolicy(
  services: ManageServices, by: UserPrincipal, vault: VaultRecord, policyId: string, metadata: EventMetadata,
): Promise<void> {
  await run(services, { type: "DeletePolicy", policyId, vaultId: vault.id, deletedBy: { type: "user", id: by.id } }, metadata);
}
