/**
 * Agents, as in the 1claw reference: registration and management by humans (agents get 403), an agent's
 * own profile, self-enrolment, and the agent key -> JWT exchange.
 */
import { z } from "zod";
import type { AgentSettings } from "../../../events/agent.js";
import { enrollAgent } from "../../agents/enrollment.js";
import { agentView, listAgentViews, type AgentView } from "../../agents/queries.js";
import {
  createAgent, deleteAgent, DEFAULT_AGENT_SETTINGS, exchangeAgentToken, mintAgentToken, rotateAgentApiKey, rotateAgentIdentityKeys,
  updateAgent,
} from "../../agents/service.js";
import type { Services } from "../../app/services.js";
import { Unavailable, DomainError } from "../../../commands/errors.js";
import { requireUser } from "../../auth/guards.js";
import { requestMetadata } from "../../auth/metadata.js";
import { HttpProblem } from "../problems.js";
import { defineRoute, type Route } from "../route.js";
import {
  AgentCreatedResponse, AgentIdParams, BatchDeleteAgentsRequest, BatchDeleteAgentsResponse, AgentKeyRotatedResponse, AgentListResponse, AgentResponse, AgentTokenRequest,
  AgentTokenResponse, CreateAgentRequest, EnrollAgentRequest, EnrollAgentResponse, MintedAgentTokenResponse, UpdateAgentRequest,
  type AgentSettingsFields,
} from "../../api/agents.js";

/** The enrolment answer never says whether the email has an account: the agent id is the nil UUID. */
const NIL_UUID = "00000000-0000-0000-0000-000000000000";
/** What the enrolling agent can expect instead of an id: the same words whether or not the email has an account. */
const ENROLLMENT_MESSAGE = "Enrollment received. agent_id stays the nil UUID in this answer, whatever the email: Keyledger " +
  "does not say whether it belongs to an account. If it does, the agent is created in that account's organisation " +
  "at once (no approval link) and its owner receives the agent ID and its ocv_ API key by email, to hand to you " +
  "(ONECLAW_AGENT_ID, ONECLAW_AGENT_API_KEY); exchange the key at POST /v1/auth/agent-token. The agent can read " +
  "nothing until the human grants it access with a policy. One enrollment per email every 10 minutes.";

type SettingsInput = z.output<typeof AgentSettingsFields> & { name?: string; is_active?: boolean };

/** Request fields -> settings changes: absent fields stay untouched, the current names win over the aliases. */
function settingsFrom(input: SettingsInput): Partial<AgentSettings> {
  const { tx_max_value, tx_max_value_eth, tx_daily_limit, tx_daily_limit_eth, ...rest } = input;
  // Only undefined means "not given": null clears a limit, so `??` would be wrong here.
  const changes: Partial<AgentSettings> = { ...rest,
    tx_max_value: tx_max_value !== undefined ? tx_max_value : tx_max_value_eth,
    tx_daily_limit: tx_daily_limit !== undefined ? tx_daily_limit : tx_daily_limit_eth };
  return Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
}

export function toAgentResponse(agent: AgentView): z.input<typeof AgentResponse> {
  return {
    id: agent.id,
    org_id: agent.orgId,
    name: agent.name,
    description: agent.description ?? undefined,
    auth_method: agent.authMethod,
    scopes: agent.scopes,
    is_active: agent.isActive,
    intents_api_enabled: agent.intentsApiEnabled,
    tx_to_allowlist: agent.txToAllowlist,
    tx_max_value: agent.txMaxValue,
    tx_daily_limit: agent.txDailyLimit,
    tx_max_value_eth: agent.txMaxValue,
    tx_daily_limit_eth: agent.txDailyLimit,
    tx_allowed_chains: agent.txAllowedChains,
    token_ttl_seconds: agent.tokenTtlSeconds,
    vault_ids: agent.vaultIds,
    ssh_public_key: agent.sshPublicKey,
    ecdh_public_key: agent.ecdhPublicKey,
    shroud_enabled: agent.shroudEnabled,
    shroud_config: agent.shroudConfig,
    created_by: agent.createdBy,
    created_at: agent.createdAt.toISOString(),
    expires_at: agent.expiresAt?.toISOString(),
  };
}

const notFound = (agentId: string) => new HttpProblem(404, `agent ${agentId} not found`);

export function agentRoutes(services: Services): Route[] {
  const tags = ["Agents"];
  return [
    defineRoute({
      method: "POST", path: "/v1/agents", summary: "Register a new agent", operationId: "createAgent", tags,
      auth: "required", request: { body: CreateAgentRequest }, responses: { 201: AgentCreatedResponse },
    }).handle(async ({ body, principal, request }) => {
      const user = requireUser(principal);
      const { name: agentName, auth_method: _method, ...fields } = body;
      const settings = { ...DEFAULT_AGENT_SETTINGS, ...settingsFrom(fields), name: agentName };
      const created = await createAgent(services, { orgId: user.orgId, userId: user.id }, settings, "api",
        requestMetadata(request, user));
      return { status: 201, body: { agent: toAgentResponse(created.agent), api_key: created.apiKey } };
    }),

    defineRoute({
      method: "GET", path: "/v1/agents", summary: "List agents", operationId: "listAgents", tags,
      auth: "required", responses: { 200: AgentListResponse },
    }).handle(async ({ principal }) => {
      const user = requireUser(principal);
      return { status: 200, body: { agents: (await listAgentViews(services.db, user.orgId)).map(toAgentResponse) } };
    }),

    // Before /v1/agents/{agent_id}: "me" and "enroll" are not agent ids.
    defineRoute({
      method: "GET", path: "/v1/agents/me", summary: "Get the calling agent's own profile", operationId: "getAgentSelf",
      tags, auth: "required", responses: { 200: AgentResponse },
    }).handle(async ({ principal }) => {
      if (principal.type !== "agent") throw new HttpProblem(403, "only agents have an agent profile; humans use /v1/auth/me");
      const agent = await agentView(services.db, principal.orgId, principal.id);
      if (!agent) throw notFound(principal.id);
      return { status: 200, body: toAgentResponse(agent) };
    }),

    defineRoute({
      method: "POST", path: "/v1/agents/enroll", summary: "Self-enroll an agent", operationId: "enrollAgent", tags,
      auth: "none", request: { body: EnrollAgentRequest }, responses: { 201: EnrollAgentResponse },
    }).handle(async ({ body, request }) => {
      await enrollAgent(services, { name: body.name, description: body.description, humanEmail: body.human_email },
        requestMetadata(request));
      return { status: 201, body: { agent_id: NIL_UUID, message: ENROLLMENT_MESSAGE, status: "pending",
        credentials_delivery: "email_to_human" } };
    }),

    defineRoute({
      method: "POST", path: "/v1/agents/batch-delete", summary: "Delete several agents",
      description: "Each agent is deleted on its own (no all-or-nothing): those that cannot be (not found in your " +
        "organisation, already deleted) are counted in `failed` and named in `errors` with the reason.",
      operationId: "batchDeleteAgents", tags, auth: "required", request: { body: BatchDeleteAgentsRequest },
      responses: { 200: BatchDeleteAgentsResponse },
    }).handle(async ({ body, principal, request }) => {
      const user = requireUser(principal);
      const errors: { id: string; reason: string }[] = [];
      let deleted = 0;
      for (const agentId of new Set(body.agent_ids)) {
        try {
          await deleteAgent(services, user.orgId, agentId, requestMetadata(request, user));
          deleted += 1;
        } catch (error) {
          // A refusal about this agent is its line in the answer; a store that is down fails the request.
          if (!(error instanceof DomainError) || error instanceof Unavailable) throw error;
          errors.push({ id: agentId, reason: error.detail });
        }
      }
      return { status: 200, body: { deleted, failed: errors.length, errors } };
    }),

    defineRoute({
      method: "GET", path: "/v1/agents/{agent_id}", summary: "Get agent details", operationId: "getAgent", tags,
      auth: "required", request: { params: AgentIdParams }, responses: { 200: AgentResponse },
    }).handle(async ({ params, principal }) => {
      // An agent may read its own record; every other agent record is for humans.
      const caller = principal.type === "agent" && principal.id === params.agent_id ? principal : requireUser(principal);
      const agent = await agentView(services.db, caller.orgId, params.agent_id);
      if (!agent) throw notFound(params.agent_id);
      return { status: 200, body: toAgentResponse(agent) };
    }),

    defineRoute({
      method: "PATCH", path: "/v1/agents/{agent_id}", summary: "Update an agent", operationId: "updateAgent", tags,
      auth: "required", request: { params: AgentIdParams, body: UpdateAgentRequest }, responses: { 200: AgentResponse },
    }).handle(async ({ params, body, principal, request }) => {
      const user = requireUser(principal);
      const agent = await updateAgent(services, user.orgId, params.agent_id, settingsFrom(body), requestMetadata(request, user));
      return { status: 200, body: toAgentResponse(agent) };
    }),

    defineRoute({
      method: "DELETE", path: "/v1/agents/{agent_id}", summary: "Delete an agent", operationId: "deleteAgent", tags,
      auth: "required", request: { params: AgentIdParams }, responses: { 204: null },
    }).handle(async ({ params, principal, request }) => {
      const user = requireUser(principal);
      await deleteAgent(services, user.orgId, params.agent_id, requestMetadata(request, user));
      return { status: 204 };
    }),

    defineRoute({
      method: "POST", path: "/v1/agents/{agent_id}/rotate-key", summary: "Rotate agent API key",
      operationId: "rotateAgentKey", tags, auth: "required", request: { params: AgentIdParams },
      responses: { 200: AgentKeyRotatedResponse },
    }).handle(async ({ params, principal, request }) => {
      const user = requireUser(principal);
      const apiKey = await rotateAgentApiKey(services, user.orgId, params.agent_id, requestMetadata(request, user));
      return { status: 200, body: { api_key: apiKey } };
    }),

    defineRoute({
      method: "POST", path: "/v1/agents/{agent_id}/rotate-identity-keys",
      summary: "Rotate agent identity keys (SSH + ECDH)", operationId: "rotateAgentIdentityKeys", tags,
      auth: "required", request: { params: AgentIdParams }, responses: { 200: AgentResponse },
    }).handle(async ({ params, principal, request }) => {
      const user = requireUser(principal);
      const agent = await rotateAgentIdentityKeys(services, { orgId: user.orgId, userId: user.id }, params.agent_id,
        requestMetadata(request, user));
      return { status: 200, body: toAgentResponse(agent) };
    }),

    defineRoute({
      method: "POST", path: "/v1/agents/{agent_id}/token", summary: "Mint a short-lived token for one of your agents",
      description: "A human of the agent's organisation gets a JWT for the agent (its scopes and vaults) without its " +
        "key, valid for at most 15 minutes; recorded with the human as actor.",
      operationId: "mintAgentToken", tags, auth: "required", request: { params: AgentIdParams },
      responses: { 200: MintedAgentTokenResponse },
    }).handle(async ({ params, principal, request }) => {
      const user = requireUser(principal);
      const { agent, token } = await mintAgentToken(services, { orgId: user.orgId, userId: user.id }, params.agent_id,
        requestMetadata(request, user));
      return { status: 200, body: { token: token.token, access_token: token.token, token_type: "Bearer",
        expires_in: token.expiresIn, agent_id: agent.id } };
    }),

    defineRoute({
      method: "POST", path: "/v1/auth/agent-token", summary: "Exchange agent credentials for JWT",
      operationId: "agentToken", tags: ["Authentication"], auth: "none", request: { body: AgentTokenRequest },
      responses: { 200: AgentTokenResponse },
    }).handle(async ({ body, request }) => {
      const { agent, token } = await exchangeAgentToken(services, { apiKey: body.api_key, agentId: body.agent_id },
        requestMetadata(request));
      return {
        status: 200,
        body: { access_token: token.token, token_type: "Bearer", expires_in: token.expiresIn, agent_id: agent.id,
          vault_ids: agent.vaultIds },
      };
    }),
  ];
}
