/**
 * Managing a vault's policies: the vault's creator and the organisation's owners and admins. An agent that
 * created a vault manages it like a human creator (the 1claw MCP `grant_access`), within its own bounds: the
 * vault must be one its token may reach, it cannot grant itself anything, and it changes or revokes only the
 * policies it created (those its humans set on the vault stay theirs). It can never manage another vault, so it
 * cannot widen its own access beyond what its humans granted. The policy's principal must be a user or agent
 * of the vault's organisation.
 */
import { policyAggregate, PolicyNotFound, type PolicyCommand, type PolicyTerms } from "../../commands/policy.js";
import { VaultNotFound } from "../../commands/vault.js";
import type { Actor } from "../../events/actor.js";
import { findAgentById } from "../agents/queries.js";
import type { Services } from "../app/services.js";
import type { Principal } from "../auth/principal.js";
import { type EventMetadata } from "../eventstore/port.js";
import { findUserById } from "../humans/queries.js";
import { findVaultById, type VaultRecord } from "../vaults/queries.js";
import { recordDenial } from "./authorize.js";
import { PolicyNotManageable, PolicyNotYours, SelfGrant, UnknownPolicyPrincipal } from "./errors.js";
import { findPolicy, type PolicyRecord } from "./policies.js";

type ManageServices = Pick<Services, "db" | "bus" | "clock">;

/**
 * The vault, if the caller may manage its policies. A vault of another organisation, unknown or deleted is
 * 404; members and agents that did not create the vault are refused (403) and the refusal recorded.
 */
export async function requirePolicyManager(
  services: ManageServices, principal: Principal, vaultId: string, action: string, metadata: EventMetadata,
): Promise<{ manager: Principal; vault: VaultRecord }> {
  const vault = await findVaultById(services.db, vaultId);
  if (!vault || vault.deletedAt || vault.orgId !== principal.orgId) throw new VaultNotFound(vaultId);
  const isCreator = vault.createdBy.type === principal.type && vault.createdBy.id === principal.id;
  const refusal = principal.type === "agent"
    ? !isCreator ? "agents manage policies only on vaults they created"
      : principal.vaultIds.length > 0 && !principal.vaultIds.includes(vault.id) ? "vault not in the agent's vault_ids"
      : undefined
    : !isCreator && principal.role !== "owner" && principal.role !== "admin" ? "not a manager of this vault" : undefined;
  if (refusal) {
    await recordDenial(services.bus, principal, { action, vaultId: vault.id, reason: refusal, metadata });
    throw new PolicyNotManageable();
  }
  return { manager: principal, vault };
}

/** What only an agent manager is held to: no policy for itself, and only its own policies to change. */
async function checkAgentBounds(
  services: ManageServices, by: Principal, vault: VaultRecord, policy: { principal?: Actor; createdBy?: Actor },
  action: string, metadata: EventMetadata,
): Promise<void> {
  if (by.type !== "agent") return;
  const selfGrant = policy.principal?.type === "agent" && policy.principal.id === by.id;
  const othersPolicy = policy.createdBy && !(policy.createdBy.type === "agent" && policy.createdBy.id === by.id);
  if (!selfGrant && !othersPolicy) return;
  const reason = selfGrant ? "an agent cannot grant itself access" : "the policy was set by someone else";
  await recordDenial(services.bus, by, { action, vaultId: vault.id, reason, metadata });
  throw selfGrant ? new SelfGrant() : new PolicyNotYours();
}

const actorOf = (principal: Principal): Actor => ({ type: principal.type, id: principal.id });

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
  by: Principal,
  vault: VaultRecord,
  policy: { policyId: string; pattern: string; principal: Actor; terms: PolicyTerms },
  metadata: EventMetadata,
): Promise<PolicyRecord> {
  await checkAgentBounds(services, by, vault, { principal: policy.principal }, "policy.create", metadata);
  await requireOrgPrincipal(services, vault.orgId, policy.principal);
  await run(services, {
    type: "CreatePolicy", policyId: policy.policyId, vaultId: vault.id, orgId: vault.orgId, pattern: policy.pattern,
    principal: policy.principal, terms: policy.terms, createdBy: actorOf(by),
  }, metadata);
  return current(services, vault.id, policy.policyId);
}

/** Replaces the terms; a term the request leaves out keeps its current value. */
export async function updatePolicy(
  services: ManageServices,
  by: Principal,
  vault: VaultRecord,
  policyId: string,
  changes: Partial<PolicyTerms>,
  metadata: EventMetadata,
): Promise<PolicyRecord> {
  const existing = await findPolicy(services.db, vault.id, policyId);
  if (!existing) throw new PolicyNotFound(policyId);
  await checkAgentBounds(services, by, vault, { createdBy: existing.createdBy }, "policy.update", metadata);
  const terms: PolicyTerms = {
    permissions: changes.permissions ?? existing.permissions,
    conditions: changes.conditions ?? existing.conditions,
    expiresAt: changes.expiresAt !== undefined ? changes.expiresAt : existing.expiresAt,
    effect: changes.effect ?? existing.effect,
    priority: changes.priority ?? existing.priority,
  };
  await run(services, { type: "UpdatePolicy", policyId, vaultId: vault.id, terms, updatedBy: actorOf(by) },
    metadata);
  return current(services, vault.id, policyId);
}

export async function deletePolicy(
  services: ManageServices, by: Principal, vault: VaultRecord, policyId: string, metadata: EventMetadata,
): Promise<void> {
  if (by.type === "agent") {
    const existing = await findPolicy(services.db, vault.id, policyId);
    if (!existing) throw new PolicyNotFound(policyId);
    await checkAgentBounds(services, by, vault, { createdBy: existing.createdBy }, "policy.delete", metadata);
  }
  await run(services, { type: "DeletePolicy", policyId, vaultId: vault.id, deletedBy: actorOf(by) }, metadata);
}
