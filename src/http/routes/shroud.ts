/**
 * `/v1/shroud/*` on the API server: what Shroud did, from its facts. Humans see their organisation's calls;
 * an agent sees only its own. (Shroud's configuration is `shroud_enabled`/`shroud_config` on the agent.)
 */
import type { z } from "zod";
import type { Services } from "../../app/services.js";
import { countShroudCallsBetween, listShroudCalls, shroudCallsBetween, type ShroudCall } from "../../shroud/queries.js";
import { summarizeThreats } from "../../shroud/threat-summary.js";
import { HttpProblem } from "../problems.js";
import { defineRoute, type Route } from "../route.js";
import {
  ShroudActivityEvent, ShroudActivityQuery, ShroudActivityResponse, THREAT_PERIODS, ThreatSummaryQuery, ThreatSummaryResponse,
} from "../../api/shroud.js";

function toActivity(call: ShroudCall): z.input<typeof ShroudActivityEvent> {
  const response = call.findings.filter((f) => f.location === "response" && f.detector !== "secret_redaction" && f.detector !== "response_credentials");
  return {
    id: call.call_id, org_id: call.org_id, agent_id: call.agent_id, provider: call.provider, model: call.model, action: call.action,
    request_tokens: call.request_tokens, response_tokens: call.response_tokens, latency_ms: call.latency_ms,
    had_secrets_redacted: call.secrets_redacted > 0, had_pii_detected: call.pii_detected.length > 0,
    injection_score: call.injection_score, policy_violations: call.policy_violations,
    response_injection_score: call.response_injection_score, response_context_injection_score: call.response_context_injection_score,
    response_injection_categories: [...new Set(response.map((f) => f.category))],
    // The URLs themselves are content; the count is what is kept.
    external_urls_flagged: [],
    unexpected_code_blocks: call.unexpected_code_blocks, content_filtered: call.content_filtered,
    metadata: { route: call.route, status: call.status, streamed: call.streamed, cost_micro_usd: call.cost_micro_usd,
      secrets_redacted: call.secrets_redacted, pii_detected: call.pii_detected, findings: call.findings,
      external_urls_flagged_count: call.external_urls_flagged, context_injection_score: call.context_injection_score },
    timestamp: call.occurred_at.toISOString(),
  };
}

export function shroudRoutes(services: Pick<Services, "db" | "clock">): Route[] {
  const tags = ["Shroud"];
  return [
    defineRoute({
      method: "GET", path: "/v1/shroud/activity", summary: "List Shroud activity", operationId: "listShroudActivity", tags,
      description: "Calls proxied by Shroud, newest first: provider, model, outcome, token counts, what fired. Never content.",
      auth: "required", request: { query: ShroudActivityQuery }, responses: { 200: ShroudActivityResponse },
    }).handle(async ({ query, principal }) => {
      if (principal.type === "agent" && query.agent_id && query.agent_id !== principal.id) {
        throw new HttpProblem(403, "an agent sees only its own Shroud activity");
      }
      const agentId = principal.type === "agent" ? principal.id : query.agent_id;
      const { calls, total } = await listShroudCalls(services.db, principal.orgId,
        { agentId, action: query.action, limit: query.limit, offset: query.offset });
      return { status: 200, body: { events: calls.map(toActivity), total } };
    }),

    defineRoute({
      method: "GET", path: "/v1/shroud/threat-summary", summary: "Summarise Shroud threat detections", operationId: "shroudThreatSummary",
      tags, auth: "required", request: { query: ThreatSummaryQuery }, responses: { 200: ThreatSummaryResponse },
    }).handle(async ({ query, principal }) => {
      if (principal.type === "agent") throw new HttpProblem(403, "the threat summary is for humans");
      const now = services.clock();
      const seconds = THREAT_PERIODS[query.period];
      const since = new Date(now.getTime() - seconds * 1000);
      const calls = await shroudCallsBetween(services.db, principal.orgId, since, new Date(now.getTime() + 1));
      const previous = await countShroudCallsBetween(services.db, principal.orgId, new Date(since.getTime() - seconds * 1000), since);
      return { status: 200, body: summarizeThreats(calls, previous) };
    }),
  ];
}
