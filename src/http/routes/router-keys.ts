/**
 * Shroud router keys of an agent (1claw Q4): owners and admins of the agent's organisation mint and revoke
 * them (a bearer key that spends the organisation's money is an admin matter); any human of the
 * organisation may list them, as they may read the agent.
 */
import type { z } from "zod";
import { agentView } from "../../agents/queries.js";
import { listRouterKeys, mintRouterKey, revokeRouterKey, type RouterKeyRecord } from "../../agents/router-keys.js";
import type { Services } from "../../app/services.js";
import { requireRole, requireUser } from "../../auth/guards.js";
import { requestMetadata } from "../../auth/metadata.js";
import { AgentIdParams } from "../../api/agents.js";
import {
  CreateRouterKeyRequest, RouterKeyCreatedResponse, RouterKeyListResponse, RouterKeyParams, type RouterKeyResponse,
} from "../../api/router-keys.js";
import { HttpProblem } from "../problems.js";
import { defineRoute, type Route } from "../route.js";

const ADMINS = ["owner", "admin"] as const;

function toResponse(key: RouterKeyRecord): z.input<typeof RouterKeyResponse> {
  return {
    id: key.id, agent_id: key.agentId, name: key.name, key_prefix: key.keyPrefix, max_concurrent_streams: key.maxConcurrentStreams,
    spend_cap_usd: key.spendCapMicroUsd === null ? null : key.spendCapMicroUsd / 1_000_000, created_by: key.createdBy,
    created_at: key.createdAt.toISOString(), is_active: key.revokedAt === null, revoked_at: key.revokedAt?.toISOString() ?? null,
  };
}

export function routerKeyRoutes(services: Services): Route[] {
  const tags = ["Agents"];
  return [
    defineRoute({
      method: "POST", path: "/v1/agents/{agent_id}/router-keys", summary: "Mint a Shroud router key for an agent",
      description: "A `sk-shroud-v1-…` key that authenticates to Shroud as the agent, so stock OpenAI/Anthropic SDKs " +
        "work with `base_url`. The key is in this answer only. The agent must have `shroud_enabled` (409 otherwise) " +
        "and at most 20 live router keys (409 for the 21st). Owners and admins only.",
      operationId: "createRouterKey", tags, auth: "required", request: { params: AgentIdParams, body: CreateRouterKeyRequest },
      responses: { 201: RouterKeyCreatedResponse },
    }).handle(async ({ params, body, principal, request }) => {
      const user = requireRole(principal, ...ADMINS);
      const minted = await mintRouterKey(services, { orgId: user.orgId, userId: user.id }, params.agent_id.toLowerCase(), {
        name: body.name, maxConcurrentStreams: body.max_concurrent_streams,
        spendCapMicroUsd: body.spend_cap_usd == null ? null : Math.round(body.spend_cap_usd * 1_000_000),
      }, requestMetadata(request, user));
      return { status: 201, body: { ...toResponse(minted.record), key: minted.key, base_url: `${services.config.shroudUrl}/v1` } };
    }),

    defineRoute({
      method: "GET", path: "/v1/agents/{agent_id}/router-keys", summary: "List an agent's Shroud router keys",
      description: "Live and revoked keys, by prefix; never a key or its hash.",
      operationId: "listRouterKeys", tags, auth: "required", request: { params: AgentIdParams },
      responses: { 200: RouterKeyListResponse },
    }).handle(async ({ params, principal }) => {
      const user = requireUser(principal);
      const agentId = params.agent_id.toLowerCase();
      if (!(await agentView(services.db, user.orgId, agentId))) throw new HttpProblem(404, `agent ${agentId} not found`);
      return { status: 200, body: { router_keys: (await listRouterKeys(services.db, user.orgId, agentId)).map(toResponse) } };
    }),

    defineRoute({
      method: "DELETE", path: "/v1/agents/{agent_id}/router-keys/{key_id}", summary: "Revoke a Shroud router key",
      description: "Shroud refuses the key from its next call on. Revoking a revoked key changes nothing (204).",
      operationId: "revokeRouterKey", tags, auth: "required", request: { params: RouterKeyParams }, responses: { 204: null },
    }).handle(async ({ params, principal, request }) => {
      const user = requireRole(principal, ...ADMINS);
      await revokeRouterKey(services, { orgId: user.orgId, userId: user.id }, params.agent_id.toLowerCase(),
        params.key_id.toLowerCase(), requestMetadata(request, user));
      return { status: 204 };
    }),
  ];
}
