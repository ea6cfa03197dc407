import { randomUUID } from "node:crypto";
import { AgentCreated, AgentDeleted, AgentUpdated } from "../../events/agent.js";
import { OrgMemberRemoved } from "../../events/org.js";
import { PolicyCreated, PolicyDeleted, PolicyUpdated } from "../../events/policy.js";
import { UserDeleted, UserRegistered } from "../../events/user.js";
import { VaultCreated, VaultDeleted } from "../../events/vault.js";
import { accessIntervalsProjection } from "../../projections/access-intervals.js";
import { DEFAULT_AGENT_SETTINGS } from "../../src/agents/service.js";
import { describeProjection, fact } from "../support/projection-spec.js";

const org = randomUUID();
const owner = { type: "user" as const, id: randomUUID() };
const sealed = { alg: "A256GCM+DEK-wrapped/v1" as const, kekId: "k", wrappedKey: "AA==", iv: "AA==", ciphertext: "AA==", tag: "AA==" };
const day = (n: number) => new Date(Date.UTC(2026, 0, n));
const on = (n: number) => ({ at: day(n) });

describe("access intervals read model", () => {
  const spec = describeProjection(accessIntervalsProjection);

  it("gives the vault's creator an implicit grant for the vault's lifetime, and ends every grant with the vault", async () => {
    const [vault, policy, agent] = [randomUUID(), randomUUID(), randomUUID()];
    await (await spec().given(
      fact(VaultCreated.of({ vault_id: vault, org_id: org, name: "v", kek_id: "k", created_by: owner }), on(1)),
      fact(PolicyCreated.of({ policy_id: policy, vault_id: vault, org_id: org, secret_path_pattern: "api/*",
        principal_type: "agent", principal_id: agent, permissions: ["read"], created_by: owner }), on(2)),
      fact(VaultDeleted.of({ vault_id: vault, org_id: org, deleted_by: owner, kek_destroyed: true }), on(3)),
    )).expectRows(`select policy_id, principal_id, pattern, can_read, can_write, lower(valid) as since, upper(valid) as until
                    from access_grants order by since`, [
      { policy_id: null, principal_id: owner.id, pattern: "**", can_read: true, can_write: true, since: day(1), until: day(3) },
      { policy_id: policy, principal_id: agent, pattern: "api/*", can_read: true, can_write: false, since: day(2), until: day(3) },
    ]);
  });

  it("keeps one period per policy's terms, capped by its expiry and ended by its deletion", async () => {
    const [vault, policy, agent] = [randomUUID(), randomUUID(), randomUUID()];
    const ids = { policy_id: policy, vault_id: vault, org_id: org };
    await (await spec().given(
      fact(PolicyCreated.of({ ...ids, secret_path_pattern: "api/*", principal_type: "agent", principal_id: agent,
        permissions: ["read"], created_by: owner }), on(1)),
      fact(PolicyUpdated.of({ ...ids, permissions: ["read", "write"], priority: 4, expires_at: day(10).toISOString(),
        updated_by: owner }), on(2)),
      fact(PolicyUpdated.of({ ...ids, permissions: ["write"], expires_at: day(1).toISOString(), updated_by: owner }), on(3)),
      fact(PolicyUpdated.of({ ...ids, permissions: ["read"], effect: "deny", conditions: { ip_allowlist: ["10.0.0.0/8"] },
        updated_by: owner }), on(4)),
      fact(PolicyDeleted.of({ ...ids, deleted_by: owner }), on(5)),
    )).expectRows(`select can_read, can_write, effect, priority, conditions, isempty(valid) as empty, lower(valid) as since,
                     upper(valid) as until from access_grants order by lower(valid) nulls last`, [
      { can_read: true, can_write: false, effect: "allow", priority: 0, conditions: {}, empty: false, since: day(1), until: day(2) },
      { can_read: true, can_write: true, effect: "allow", priority: 4, conditions: {}, empty: false, since: day(2), until: day(3) },
      { can_read: true, can_write: false, effect: "deny", priority: 0, conditions: { ip_allowlist: ["10.0.0.0/8"] }, empty: false,
        since: day(4), until: day(5) },
      // terms that expired before they were set never held
      { can_read: false, can_write: true, effect: "allow", priority: 0, conditions: {}, empty: true, since: null, until: null },
    ]);
  });

  it("keeps one period per agent's standing: active, bound vaults, scopes, expiry; deletion ends it", async () => {
    const agent = randomUUID();
    const vault = randomUUID();
    await (await spec().given(
      fact(AgentCreated.of({ agent_id: agent, org_id: org, created_by: owner.id, origin: "api", auth_method: "api_key",
        ...DEFAULT_AGENT_SETTINGS, name: "bot", api_key: { key_prefix: "ocv_0123456789abcdef", key_hash: "a".repeat(64) },
        identity: { keyset_id: randomUUID(), ssh_public_key: "s", ecdh_public_key: "e", ssh_private_key: sealed,
          ecdh_private_key: sealed }, created_at: day(1).toISOString() }), on(1)),
      fact(AgentUpdated.of({ agent_id: agent, org_id: org, changes: { name: "renamed" }, updated_at: day(2).toISOString() }), on(2)),
      fact(AgentUpdated.of({ agent_id: agent, org_id: org, updated_at: day(3).toISOString(),
        changes: { vault_ids: [vault], scopes: ["api/**"], expires_at: day(9).toISOString() } }), on(3)),
      fact(AgentUpdated.of({ agent_id: agent, org_id: org, changes: { is_active: false }, updated_at: day(4).toISOString() }), on(4)),
      fact(AgentDeleted.of({ agent_id: agent, org_id: org, deleted_at: day(5).toISOString() }), on(5)),
    )).expectRows(`select principal_type, active, vault_ids, scopes, expires_at, lower(during) as since, upper(during) as until
                    from principal_periods order by since`, [
      { principal_type: "agent", active: true, vault_ids: [], scopes: [], expires_at: null, since: day(1), until: day(3) },
      { principal_type: "agent", active: true, vault_ids: [vault], scopes: ["api/**"], expires_at: day(9), since: day(3), until: day(4) },
      { principal_type: "agent", active: false, vault_ids: [vault], scopes: ["api/**"], expires_at: day(9), since: day(4), until: day(5) },
      { principal_type: "agent", active: false, vault_ids: [vault], scopes: ["api/**"], expires_at: day(9), since: day(5), until: null },
    ]);
  });

  it("ends a user's active standing when they are removed from the organisation or deleted", async () => {
    const [removed, deleted] = [randomUUID(), randomUUID()];
    const registered = (id: string) => UserRegistered.of({ user_id: id, org_id: org, email: `${id}@example.test`,
      display_name: "m", auth_method: "password", role: "member" });
    await (await spec().given(
      fact(registered(removed), on(1)), fact(registered(deleted), on(1)),
      fact(OrgMemberRemoved.of({ user_id: removed }), on(2)),
      fact(UserDeleted.of({ user_id: deleted, org_id: org }), on(3)),
    )).expectRows(`select principal_id, active, vault_ids, lower(during) as since, upper(during) as until
                    from principal_periods order by since, until nulls last`, [
      { principal_id: removed, active: true, vault_ids: null, since: day(1), until: day(2) },
      { principal_id: deleted, active: true, vault_ids: null, since: day(1), until: day(3) },
      { principal_id: removed, active: false, vault_ids: null, since: day(2), until: null },
      { principal_id: deleted, active: false, vault_ids: null, since: day(3), until: null },
    ]);
  });
});
