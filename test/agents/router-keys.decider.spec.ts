/** Router keys decided on the agent's stream: Shroud on, at most 20 live, revoked for good. */
import { expect } from "chai";
import { agentDecider, AgentNotFound, type AgentCommand } from "../../commands/agent.js";
import { routerKeySpendDecider, RouterKeySpendCapReached } from "../../commands/router-key-spend.js";
import {
  InvalidRouterKey, MAX_LIVE_ROUTER_KEYS, RouterKeyLimitReached, RouterKeyNotFound, RouterKeysNeedShroud,
} from "../../commands/router-keys.js";
import { AgentCreated, AgentDeleted, AgentUpdated } from "../../events/agent.js";
import { RouterKeyMinted, RouterKeyRevoked, RouterKeySpent } from "../../events/router-key.js";
import { DEFAULT_AGENT_SETTINGS } from "../../src/agents/service.js";
import { specFor } from "../support/decider.js";

const NOW = "2026-01-01T00:00:00.000Z";
const agentId = "6f1f8c1e-6d0b-4b53-9d59-3f1d2a8f0a11";
const orgId = "0b9d4a52-2d7c-4c8e-8f1e-6a0f6c1d2e33";
const otherOrgId = "9a4c2e1b-7f3d-4e5a-b6c7-d8e9f0a1b2c3";
const userId = "3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b9a";
const sealed = { alg: "A256GCM+DEK-wrapped/v1" as const, kekId: `org-${orgId}-agent-keys`, wrappedKey: "d3JhcA==", iv: "aXY=", ciphertext: "Y3Q=", tag: "dGFn" };

const keyId = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const created = (shroudEnabled: boolean) => AgentCreated.of({
  agent_id: agentId, org_id: orgId, created_by: userId, origin: "api", auth_method: "api_key",
  ...DEFAULT_AGENT_SETTINGS, name: "llm-bot", shroud_enabled: shroudEnabled,
  api_key: { key_prefix: "ocv_0123456789abcdef", key_hash: "a".repeat(64) },
  identity: { keyset_id: keyId(999), ssh_public_key: "ssh", ecdh_public_key: "ecdh", ssh_private_key: sealed, ecdh_private_key: sealed },
  created_at: NOW,
});
const shroudAgent = created(true);

const mint = (n: number, overrides: Partial<Extract<AgentCommand, { type: "MintRouterKey" }>> = {}): AgentCommand => ({
  type: "MintRouterKey", agentId, orgId, keyId: keyId(n), name: `key ${n}`, keyPrefix: `sk-shroud-v1-${String(n).padStart(16, "0")}`,
  keyHash: "c".repeat(64), maxConcurrentStreams: 20, spendCapMicroUsd: null, by: userId, ...overrides,
});
const minted = (n: number) => RouterKeyMinted.of({
  key_id: keyId(n), agent_id: agentId, org_id: orgId, name: `key ${n}`, key_prefix: `sk-shroud-v1-${String(n).padStart(16, "0")}`,
  key_hash: "c".repeat(64), max_concurrent_streams: 20, spend_cap_micro_usd: null, created_by: userId, created_at: NOW,
});
const revoke = (n: number, org = orgId): AgentCommand => ({ type: "RevokeRouterKey", agentId, orgId: org, keyId: keyId(n), by: userId });
const revoked = (n: number) => RouterKeyRevoked.of({ key_id: keyId(n), agent_id: agentId, org_id: orgId, revoked_by: userId, revoked_at: NOW });
const twenty = Array.from({ length: MAX_LIVE_ROUTER_KEYS }, (_, i) => minted(i + 1));

const spec = specFor(agentDecider, () => new Date(NOW));

describe("router key decisions (agent aggregate)", () => {
  it("mints a key for a Shroud agent, recording its prefix, hash and limits", () =>
    spec.given(shroudAgent).when(mint(1)).then(minted(1)));

  it("refuses a key for an agent without shroud_enabled", () =>
    spec.given(created(false)).when(mint(1)).thenThrows(RouterKeysNeedShroud));

  it("refuses a key once Shroud was turned off", () =>
    spec.given(shroudAgent, AgentUpdated.of({ agent_id: agentId, org_id: orgId, changes: { shroud_enabled: false }, updated_at: NOW }))
      .when(mint(1)).thenThrows(RouterKeysNeedShroud));

  it("refuses the 21st live key", () =>
    spec.given(shroudAgent, ...twenty).when(mint(21)).thenThrows(RouterKeyLimitReached));

  it("mints again once one of the 20 is revoked", () =>
    spec.given(shroudAgent, ...twenty, revoked(7)).when(mint(21)).then(minted(21)));

  it("refuses stream and spend limits outside their bounds", () => {
    spec.given(shroudAgent).when(mint(1, { maxConcurrentStreams: 0 })).thenThrows(InvalidRouterKey);
    spec.given(shroudAgent).when(mint(1, { maxConcurrentStreams: 1001 })).thenThrows(InvalidRouterKey);
    spec.given(shroudAgent).when(mint(1, { spendCapMicroUsd: 0 })).thenThrows(InvalidRouterKey);
    spec.given(shroudAgent).when(mint(1, { spendCapMicroUsd: 100_000_000_001 })).thenThrows(InvalidRouterKey);
  });

  it("treats an agent of another organisation, or a deleted one, as absent", () => {
    spec.given(shroudAgent).when({ ...mint(1), orgId: otherOrgId } as AgentCommand).thenThrows(AgentNotFound);
    spec.given(shroudAgent, AgentDeleted.of({ agent_id: agentId, org_id: orgId, deleted_at: NOW })).when(mint(1)).thenThrows(AgentNotFound);
    spec.given(shroudAgent, minted(1)).when(revoke(1, otherOrgId)).thenThrows(AgentNotFound);
  });

  it("revokes a live key", () =>
    spec.given(shroudAgent, minted(1)).when(revoke(1)).then(revoked(1)));

  it("revokes a revoked key again without a new fact", () =>
    spec.given(shroudAgent, minted(1), revoked(1)).when(revoke(1)).then());

  it("does not know a key the agent never had", () =>
    spec.given(shroudAgent, minted(1)).when(revoke(2)).thenThrows(RouterKeyNotFound));
});

describe("router key spend decisions", () => {
  const spent = (cost: number) => RouterKeySpent.of({ key_id: keyId(1), agent_id: agentId, org_id: orgId, call_id: keyId(500), cost_micro_usd: cost });
  const check = (capMicroUsd: number) => ({ type: "CheckRouterKeySpend" as const, keyId: keyId(1), capMicroUsd });
  const spendSpec = specFor(routerKeySpendDecider);

  it("admits a call while the recorded spend is under the cap", () =>
    spendSpec.given(spent(400), spent(599)).when(check(1000)).then());

  it("refuses the call once the recorded spend reaches the cap", () => {
    spendSpec.given(spent(400), spent(600)).when(check(1000)).thenThrows(RouterKeySpendCapReached);
    expect(() => routerKeySpendDecider.decide(check(1_500_000), { spentMicroUsd: 2_000_000 }, new Date(NOW)))
      .to.throw(RouterKeySpendCapReached, "router key spend cap of $1.50 reached");
  });
});
