/**
 * A policy's life: created for one principal on one vault, its terms replaced by updates, deleted. The
 * decider checks what makes a policy meaningful (a valid pattern, known conditions, an expiry in the
 * future); who may manage a vault's policies is the route's concern (it needs the read models).
 */
import type { Actor } from "../events/actor.js";
import { PolicyCreated, PolicyDeleted, PolicyUpdated, readPolicyEvent, type PolicyEvent } from "../events/policy.js";
import { defineAggregate } from "./aggregate.js";
import type { Decider } from "./decider.js";
import { Conflict, Invalid, NotFound } from "./errors.js";
import { validatePattern } from "./rules/glob.js";
import { normalizeConditions, type PolicyConditions } from "./rules/policy-conditions.js";

export type Permission = "read" | "write" | "delete";

export interface PolicyTerms {
  permissions: Permission[];
  conditions: PolicyConditions;
  expiresAt: Date | null;
  effect: "allow" | "deny";
  priority: number;
}

export type PolicyCommand =
  | {
      type: "CreatePolicy";
      policyId: string;
      vaultId: string;
      orgId: string;
      pattern: string;
      principal: Actor;
      terms: PolicyTerms;
      createdBy: Actor;
    }
  | { type: "UpdatePolicy"; policyId: string; vaultId: string; terms: PolicyTerms; updatedBy: Actor }
  | { type: "DeletePolicy"; policyId: string; vaultId: string; deletedBy: Actor };

export type PolicyState =
  | { status: "absent" }
  | { status: "active"; vaultId: string; orgId: string }
  | { status: "deleted" };

export class PolicyNotFound extends NotFound {
  constructor(readonly policyId: string) {
    super(`policy ${policyId} not found`, { detail: "policy not found" });
    this.name = "PolicyNotFound";
  }
}

export class PolicyAlreadyExists extends Conflict {
  constructor(readonly policyId: string) {
    super(`policy ${policyId} already exists`);
    this.name = "PolicyAlreadyExists";
  }
}

export class InvalidPolicy extends Invalid {
  constructor(reason: string) {
    super(`invalid policy: ${reason}`);
    this.name = "InvalidPolicy";
  }
}

/** The terms as recorded: permissions deduplicated in a fixed order, conditions normalized. */
function recordedTerms(terms: PolicyTerms, now: Date) {
  if (terms.permissions.length === 0) throw new InvalidPolicy("permissions must name read, write and/or delete");
  // Deleting a secret is a write (1claw: "delete requires write"); alone, "delete" would grant nothing at all.
  if (terms.permissions.includes("delete") && !terms.permissions.includes("write")) {
    throw new InvalidPolicy("delete requires write: deleting a secret is authorized by the write permission");
  }
  if (terms.expiresAt && terms.expiresAt <= now) throw new InvalidPolicy("expires_at must be in the future");
  if (!Number.isInteger(terms.priority) || terms.priority < 0) throw new InvalidPolicy("priority must be a non-negative integer");
  return {
    permissions: (["read", "write", "delete"] as const).filter((p) => terms.permissions.includes(p)),
    conditions: normalizeConditions(terms.conditions),
    expires_at: terms.expiresAt ? terms.expiresAt.toISOString() : null,
    effect: terms.effect,
    priority: terms.priority,
  };
}

export const policyDecider: Decider<PolicyCommand, PolicyState, PolicyEvent> = {
  initialState: { status: "absent" },
  evolve(state, event) {
    switch (event.type) {
      case "PolicyCreated": return { status: "active", vaultId: event.data.vault_id, orgId: event.data.org_id };
      case "PolicyUpdated": return state;
      case "PolicyDeleted": return { status: "deleted" };
    }
  },
  decide(command, state, now) {
    switch (command.type) {
      case "CreatePolicy": {
        if (state.status !== "absent") throw new PolicyAlreadyExists(command.policyId);
        validatePattern(command.pattern);
        return [PolicyCreated.of({
          policy_id: command.policyId, vault_id: command.vaultId, org_id: command.orgId,
          secret_path_pattern: command.pattern,
          principal_type: command.principal.type, principal_id: command.principal.id,
          ...recordedTerms(command.terms, now),
          created_by: command.createdBy,
        })];
      }
      case "UpdatePolicy": {
        // A policy is addressed through its vault: the same id under another vault does not exist.
        if (state.status !== "active" || state.vaultId !== command.vaultId) throw new PolicyNotFound(command.policyId);
        return [PolicyUpdated.of({
          policy_id: command.policyId, vault_id: state.vaultId, org_id: state.orgId,
          ...recordedTerms(command.terms, now), updated_by: command.updatedBy,
        })];
      }
      case "DeletePolicy": {
        if (state.status !== "active" || state.vaultId !== command.vaultId) throw new PolicyNotFound(command.policyId);
        return [PolicyDeleted.of({
          policy_id: command.policyId, vault_id: state.vaultId, org_id: state.orgId, deleted_by: command.deletedBy,
        })];
      }
    }
  },
};

export const policyAggregate = defineAggregate("policy", policyDecider, readPolicyEvent);
