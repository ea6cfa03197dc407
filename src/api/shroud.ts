/** Wire schemas of `/v1/shroud/*` on the API server (the proxy's own paths are the providers'). */
import { z } from "zod";
import { SHROUD_ACTIONS } from "../../events/shroud.js";

export const ShroudActivityQuery = z.object({
  agent_id: z.uuid().optional(),
  action: z.enum(SHROUD_ACTIONS).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

export const ShroudActivityEvent = z.object({
  id: z.uuid(),
  org_id: z.uuid(),
  agent_id: z.uuid(),
  provider: z.string(),
  model: z.string(),
  action: z.enum(SHROUD_ACTIONS),
  request_tokens: z.number().int(),
  response_tokens: z.number().int(),
  latency_ms: z.number().int(),
  had_secrets_redacted: z.boolean(),
  had_pii_detected: z.boolean(),
  injection_score: z.number(),
  policy_violations: z.array(z.string()),
  response_injection_score: z.number(),
  response_context_injection_score: z.number(),
  response_injection_categories: z.array(z.string()),
  external_urls_flagged: z.array(z.string()),
  unexpected_code_blocks: z.boolean(),
  content_filtered: z.boolean(),
  metadata: z.record(z.string(), z.unknown()),
  timestamp: z.string(),
}).meta({ id: "ShroudActivityEvent" });

export const ShroudActivityResponse = z.object({ events: z.array(ShroudActivityEvent), total: z.number().int() })
  .meta({ id: "ShroudActivityResponse" });

export const THREAT_PERIODS = { "1h": 3600, "24h": 86_400, "7d": 604_800, "30d": 2_592_000 } as const;

export const ThreatSummaryQuery = z.object({
  period: z.enum(Object.keys(THREAT_PERIODS) as [keyof typeof THREAT_PERIODS], "period must be 1h, 24h, 7d or 30d").default("24h"),
});

const outcomes = z.object({ blocked: z.number().int(), warned: z.number().int(), logged: z.number().int() });

export const ThreatSummaryResponse = z.object({
  total_requests: z.number().int(),
  total_requests_prev: z.number().int(),
  blocked_requests: z.number().int(),
  detectors_triggered: z.number().int(),
  active_agents: z.number().int(),
  detectors: z.array(z.object({ detector: z.string(), detections: z.number().int(), blocks: z.number().int(), actions: outcomes })),
  flagged_requests: z.array(z.object({
    id: z.uuid(), timestamp: z.string(), agent_id: z.uuid(), agent_name: z.string().nullable(), score: z.number(),
    reason: z.string(), action: z.enum(["blocked", "warned", "logged"]),
  })),
}).meta({ id: "ThreatSummaryResponse" });
