/** The policy decider: what makes a policy valid, and that only a living policy of the vault changes. */
import {
  InvalidPolicy, PolicyAlreadyExists, PolicyNotFound, policyDecider, type PolicyCommand, type PolicyTerms,
} from "../../commands/policy.js";
import { PolicyCreated, PolicyDeleted, PolicyUpdated } from "../../events/policy.js";
import { InvalidPolicyConditions } from "../../commands/rules/policy-conditions.js";
import { InvalidPathPattern } from "../../commands/rules/glob.js";
import { specFor } from "../support/decider.js";

const policyId = "00000000-0000-4000-8000-000000000001";
const vaultId = "00000000-0000-4000-8000-0000000000a1";
const otherVaultId = "00000000-0000-4000-8000-0000000000a2";
const orgId = "00000000-0000-4000-8000-0000000000b1";
const agentId = "00000000-0000-4000-8000-0000000000c1";
const owner = { type: "user" as const, id: "00000000-0000-4000-8000-0000000000d1" };

const terms = (overrides: Partial<PolicyTerms> = {}): PolicyTerms => ({
  permissions: ["read"], conditions: {}, expiresAt: null, effect: "allow", priority: 0, ...overrides,
});
const create = (overrides: Partial<Extract<PolicyCommand, { type: "CreatePolicy" }>> = {}): PolicyCommand => ({
  type: "CreatePolicy", policyId, vaultId, orgId, pattern: "api-keys/*", principal: { type: "agent", id: agentId },
  terms: terms(), createdBy: owner, ...overrides,
});
const created = PolicyCreated.of({
  policy_id: policyId, vault_id: vaultId, org_id: orgId, secret_path_pattern: "api-keys/*",
  principal_type: "agent", principal_id: agentId, permissions: ["read"], created_by: owner,
});
const { given } = specFor(policyDecider);

describe("policy decider", () => {
  it("creates a policy with canonical terms", () =>
    given().when(create({ terms: terms({
      permissions: ["write", "read", "write"],
      conditions: { ip_allowlist: ["10.1.2.3", "2001:db8::/32"] },
      expiresAt: new Date("2026-06-01T00:00:00Z"), effect: "deny", priority: 5,
    }) })).then(PolicyCreated.of({
      policy_id: policyId, vault_id: vaultId, org_id: orgId, secret_path_pattern: "api-keys/*",
      principal_type: "agent", principal_id: agentId, permissions: ["read", "write"],
      conditions: { ip_allowlist: ["10.1.2.3/32", "2001:db8::/32"] }, expires_at: "2026-06-01T00:00:00.000Z",
      effect: "deny", priority: 5, created_by: owner,
    })));

  it("refuses a second creation under the same id", () => given(created).when(create()).thenThrows(PolicyAlreadyExists));
  it("refuses a malformed pattern", () => given().when(create({ pattern: "a//b" })).thenThrows(InvalidPathPattern));
  it("refuses an empty permission list", () =>
    given().when(create({ terms: terms({ permissions: [] }) })).thenThrows(InvalidPolicy));
  it("refuses an expiry in the past", () =>
    given().when(create({ terms: terms({ expiresAt: new Date("2025-12-31T00:00:00Z") }) })).thenThrows(InvalidPolicy));
  it("refuses a negative priority", () =>
    given().when(create({ terms: terms({ priority: -1 }) })).thenThrows(InvalidPolicy));

  for (const [name, conditions] of [
    ["an unknown condition key", { mfa_required: true }],
    ["a malformed CIDR", { ip_allowlist: ["10.0.0.1/8"] }],
    ["an empty allowlist", { ip_allowlist: [] }],
    ["an unknown time zone", { time_windows: [{ start: "09:00", end: "17:00", timezone: "Mars/Olympus" }] }],
    ["an empty time window", { time_windows: [{ start: "09:00", end: "09:00" }] }],
  ] as const) {
    it(`refuses ${name}`, () =>
      given().when(create({ terms: terms({ conditions: conditions as PolicyTerms["conditions"] }) })).thenThrows(InvalidPolicyConditions));
  }

  it("replaces the terms of a living policy", () =>
    given(created).when({ type: "UpdatePolicy", policyId, vaultId, terms: terms({ permissions: ["write"], priority: 2 }), updatedBy: owner })
      .then(PolicyUpdated.of({
        policy_id: policyId, vault_id: vaultId, org_id: orgId, permissions: ["write"], priority: 2, updated_by: owner,
      })));

  it("does not find a policy through another vault", () => {
    given(created).when({ type: "UpdatePolicy", policyId, vaultId: otherVaultId, terms: terms(), updatedBy: owner })
      .thenThrows(PolicyNotFound);
    given(created).when({ type: "DeletePolicy", policyId, vaultId: otherVaultId, deletedBy: owner }).thenThrows(PolicyNotFound);
  });

  it("deletes a policy once", () => {
    const deleted = PolicyDeleted.of({ policy_id: policyId, vault_id: vaultId, org_id: orgId, deleted_by: owner });
    given(created).when({ type: "DeletePolicy", policyId, vaultId, deletedBy: owner }).then(deleted);
    given(created, deleted).when({ type: "DeletePolicy", policyId, vaultId, deletedBy: owner }).thenThrows(PolicyNotFound);
    given(created, deleted).when({ type: "UpdatePolicy", policyId, vaultId, terms: terms(), updatedBy: owner })
      .thenThrows(PolicyNotFound);
    given(created, deleted).when(create()).thenThrows(PolicyAlreadyExists);
  });

});
