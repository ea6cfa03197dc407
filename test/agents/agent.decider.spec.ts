import { expect } from "chai";
import { agentEnrollmentDecider, EnrollmentCoolingDown } from "../../commands/agent-enrollment.js";
import {
  AgentAlreadyExists, agentDecider, AgentNotFound, InvalidAgentSettings, type AgentCommand,
} from "../../commands/agent.js";
import { AgentEnrollmentRequested } from "../../events/agent-enrollment.js";
import {
  AgentApiKeyRotated, AgentCreated, AgentDeleted, AgentIdentityKeysRotated, AgentUpdated, type IdentityKeys,
} from "../../events/agent.js";
import { DEFAULT_AGENT_SETTINGS } from "../../src/agents/service.js";
import { specFor } from "../support/decider.js";

const NOW = "2026-01-01T00:00:00.000Z";
const agentId = "6f1f8c1e-6d0b-4b53-9d59-3f1d2a8f0a11";
const orgId = "0b9d4a52-2d7c-4c8e-8f1e-6a0f6c1d2e33";
const otherOrgId = "9a4c2e1b-7f3d-4e5a-b6c7-d8e9f0a1b2c3";
const userId = "3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b9a";

const sealed = { alg: "A256GCM+DEK-wrapped/v1" as const, kekId: `org-${orgId}-agent-keys`, wrappedKey: "d3JhcA==",
  iv: "aXY=", ciphertext: "Y3Q=", tag: "dGFn" };
const identity = (keysetId: string): IdentityKeys => ({
  keyset_id: keysetId, ssh_public_key: `ssh-${keysetId}`, ecdh_public_key: `ecdh-${keysetId}`,
  ssh_private_key: sealed, ecdh_private_key: sealed,
});
const firstKeys = identity("11111111-1111-4111-8111-111111111111");
const secondKeys = identity("22222222-2222-4222-8222-222222222222");
const firstKey = { key_prefix: "ocv_0123456789abcdef", key_hash: "a".repeat(64) };
const secondKey = { key_prefix: "ocv_fedcba9876543210", key_hash: "b".repeat(64) };
const settings = { ...DEFAULT_AGENT_SETTINGS, name: "deploy-bot" };

const create: AgentCommand = {
  type: "CreateAgent", agentId, orgId, createdBy: userId, origin: "api", settings, apiKey: firstKey, identity: firstKeys,
};
const created = AgentCreated.of({
  agent_id: agentId, org_id: orgId, created_by: userId, origin: "api", auth_method: "api_key", ...settings,
  api_key: firstKey, identity: firstKeys, created_at: NOW,
});
const deleted = AgentDeleted.of({ agent_id: agentId, org_id: orgId, deleted_at: NOW });
const update = (changes: Extract<AgentCommand, { type: "UpdateAgent" }>["changes"], org = orgId): AgentCommand =>
  ({ type: "UpdateAgent", agentId, orgId: org, changes });

const spec = specFor(agentDecider, () => new Date(NOW));

describe("agent decider", () => {
  it("creates an agent with its key hash and identity keys", () =>
    spec.given().when(create).then(created));

  it("refuses to create an agent twice", () =>
    spec.given(created).when(create).thenThrows(AgentAlreadyExists));

  it("refuses a token lifetime outside the allowed bounds", () =>
    spec.given().when({ ...create, settings: { ...settings, token_ttl_seconds: 5 } } as AgentCommand)
      .thenThrows(InvalidAgentSettings));

  it("records only the fields an update changes", () =>
    spec.given(created)
      .when(update({ name: "deploy-bot", is_active: false, scopes: [], tx_max_value: "0.5" }))
      .then(AgentUpdated.of({ agent_id: agentId, org_id: orgId, changes: { is_active: false, tx_max_value: "0.5" },
        updated_at: NOW })));

  it("records nothing for an update that changes nothing", () =>
    spec.given(created, AgentUpdated.of({ agent_id: agentId, org_id: orgId, changes: { scopes: ["db/**"] }, updated_at: NOW }))
      .when(update({ scopes: ["db/**"], token_ttl_seconds: null }))
      .then());

  it("clears a guardrail with null", () =>
    spec.given(created, AgentUpdated.of({ agent_id: agentId, org_id: orgId, changes: { tx_daily_limit: "2" }, updated_at: NOW }))
      .when(update({ tx_daily_limit: null }))
      .then(AgentUpdated.of({ agent_id: agentId, org_id: orgId, changes: { tx_daily_limit: null }, updated_at: NOW })));

  it("treats an agent of another organisation as absent", () =>
    spec.given(created).when(update({ is_active: false }, otherOrgId)).thenThrows(AgentNotFound));

  it("rotates the API key", () =>
    spec.given(created).when({ type: "RotateAgentApiKey", agentId, orgId, apiKey: secondKey })
      .then(AgentApiKeyRotated.of({ agent_id: agentId, org_id: orgId, api_key: secondKey, rotated_at: NOW })));

  it("rotates the identity keys", () =>
    spec.given(created).when({ type: "RotateAgentIdentityKeys", agentId, orgId, identity: secondKeys })
      .then(AgentIdentityKeysRotated.of({ agent_id: agentId, org_id: orgId, identity: secondKeys, rotated_at: NOW })));

  it("deletes an agent", () =>
    spec.given(created).when({ type: "DeleteAgent", agentId, orgId }).then(deleted));

  it("refuses every command on a deleted agent, creation included", () => {
    for (const command of [
      update({ is_active: true }),
      { type: "RotateAgentApiKey", agentId, orgId, apiKey: secondKey },
      { type: "RotateAgentIdentityKeys", agentId, orgId, identity: secondKeys },
      { type: "DeleteAgent", agentId, orgId },
    ] satisfies AgentCommand[]) {
      spec.given(created, deleted).when(command).thenThrows(AgentNotFound);
    }
    spec.given(created, deleted).when(create).thenThrows(AgentAlreadyExists);
  });

  it("refuses commands on an agent that never existed", () =>
    spec.given().when({ type: "RotateAgentApiKey", agentId, orgId, apiKey: secondKey }).thenThrows(AgentNotFound));
});

describe("agent enrolment decider", () => {
  const email = "human@example.com";
  const request = { type: "RequestAgentEnrollment" as const, humanEmail: email, agentName: "bot", agentId: null };
  const requestedAt = (at: string) =>
    AgentEnrollmentRequested.of({ human_email: email, agent_name: "bot", agent_id: null, requested_at: at });

  it("records the first request for an email", () =>
    specFor(agentEnrollmentDecider, () => new Date(NOW)).given().when(request).then(requestedAt(NOW)));

  it("refuses a second request within 10 minutes, saying how long to wait", () => {
    const at = new Date("2026-01-01T00:09:00.000Z");
    specFor(agentEnrollmentDecider, () => at).given(requestedAt(NOW)).when(request).thenThrows(EnrollmentCoolingDown);
    try {
      agentEnrollmentDecider.decide(request, agentEnrollmentDecider.evolve({}, requestedAt(NOW)), at);
      expect.fail("the request should have been refused");
    } catch (error) {
      expect((error as EnrollmentCoolingDown).retryAfterSeconds).to.equal(60);
    }
  });

  it("accepts a request once 10 minutes have passed", () => {
    const at = "2026-01-01T00:10:00.000Z";
    specFor(agentEnrollmentDecider, () => new Date(at)).given(requestedAt(NOW)).when(request).then(requestedAt(at));
  });
});
