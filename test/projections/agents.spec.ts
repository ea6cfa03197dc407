import { randomUUID } from "node:crypto";
import {
  AgentApiKeyRotated, AgentCreated, AgentDeleted, AgentIdentityKeysRotated, AgentUpdated, type IdentityKeys,
} from "../../events/agent.js";
import { agentsProjection } from "../../projections/agents.js";
import { DEFAULT_AGENT_SETTINGS } from "../../src/agents/service.js";
import { describeProjection } from "../support/projection-spec.js";

const org = randomUUID();
const creator = randomUUID();
const sealed = { alg: "A256GCM+DEK-wrapped/v1" as const, kekId: "k", wrappedKey: "AA==", iv: "AA==", ciphertext: "AA==", tag: "AA==" };
const identity = (name: string): IdentityKeys => ({ keyset_id: randomUUID(), ssh_public_key: `ssh-${name}`,
  ecdh_public_key: `ecdh-${name}`, ssh_private_key: sealed, ecdh_private_key: sealed });
const created = (id: string, name: string, prefix: string) => AgentCreated.of({
  agent_id: id, org_id: org, created_by: creator, origin: "api", auth_method: "api_key", ...DEFAULT_AGENT_SETTINGS, name,
  api_key: { key_prefix: prefix, key_hash: "a".repeat(64) }, identity: identity(name), created_at: "2026-01-01T00:00:00.000Z",
});

describe("agents read model", () => {
  const spec = describeProjection(agentsProjection);

  it("holds each agent's settings, key lookup and public keys, as changed since its creation", async () => {
    const id = randomUUID();
    await (await spec().given(
      created(id, "deploy-bot", "ocv_0123456789abcdef"),
      AgentUpdated.of({ agent_id: id, org_id: org, updated_at: "2026-01-02T00:00:00.000Z",
        changes: { is_active: false, scopes: ["db/**"], vault_ids: [org], expires_at: "2026-03-01T00:00:00.000Z",
          tx_daily_limit: "2" } }),
      AgentApiKeyRotated.of({ agent_id: id, org_id: org, rotated_at: "2026-01-03T00:00:00.000Z",
        api_key: { key_prefix: "ocv_fedcba9876543210", key_hash: "b".repeat(64) } }),
      AgentIdentityKeysRotated.of({ agent_id: id, org_id: org, identity: identity("second"), rotated_at: "2026-01-04T00:00:00.000Z" }),
    )).expectRows(`select name, is_active, scopes, vault_ids, expires_at, tx_daily_limit, tx_to_allowlist, api_key_prefix,
                     api_key_hash, ssh_public_key, ecdh_public_key, created_by, created_at, updated_at from agents`, [
      { name: "deploy-bot", is_active: false, scopes: ["db/**"], vault_ids: [org], expires_at: new Date("2026-03-01T00:00:00Z"),
        tx_daily_limit: "2", tx_to_allowlist: [], api_key_prefix: "ocv_fedcba9876543210", api_key_hash: "b".repeat(64),
        ssh_public_key: "ssh-second", ecdh_public_key: "ecdh-second", created_by: creator,
        created_at: new Date("2026-01-01T00:00:00Z"), updated_at: new Date("2026-01-04T00:00:00Z") },
    ]);
  });

  it("keeps the Shroud settings: off for agents created before them, then as set and cleared", async () => {
    const [older, newer] = [randomUUID(), randomUUID()];
    const { shroud_enabled: _enabled, shroud_config: _config, ...beforeShroud } = created(older, "older", "ocv_3333333333333333").data;
    await (await spec().given(
      { type: "AgentCreated", data: beforeShroud },
      created(newer, "newer", "ocv_4444444444444444"),
      AgentUpdated.of({ agent_id: newer, org_id: org, updated_at: "2026-01-02T00:00:00.000Z",
        changes: { shroud_enabled: true, shroud_config: { pii_policy: "block", max_requests_per_minute: 10 } } }),
      AgentUpdated.of({ agent_id: older, org_id: org, updated_at: "2026-01-02T00:00:00.000Z", changes: { shroud_config: null } }),
    )).expectRows("select name, shroud_enabled, shroud_config from agents order by name", [
      { name: "newer", shroud_enabled: true, shroud_config: { pii_policy: "block", max_requests_per_minute: 10 } },
      { name: "older", shroud_enabled: false, shroud_config: null },
    ]);
  });

  it("forgets a deleted agent, so neither it nor its key is found", async () => {
    const [kept, gone] = [randomUUID(), randomUUID()];
    await (await spec().given(
      created(kept, "kept", "ocv_1111111111111111"), created(gone, "gone", "ocv_2222222222222222"),
      AgentDeleted.of({ agent_id: gone, org_id: org, deleted_at: "2026-01-02T00:00:00.000Z" }),
    )).expectRows("select id, api_key_prefix from agents", [{ id: kept, api_key_prefix: "ocv_1111111111111111" }]);
  });
});
