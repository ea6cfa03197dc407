/**
 * Shroud's facts: per agent and UTC day, one stream (`shroud_usage-<id of (agent, day)>`) holds the calls the
 * policy engine admitted and the record of every call, admitted or blocked. Counting and budgeting fold that
 * stream, so limits are exact across Shroud processes. A record says what happened (sizes, token counts,
 * which detectors fired, latency), never what was said: no prompt, response, secret or provider key.
 */
import { z } from "zod";
import { defineEvent, eventReader, type EventsOf } from "./define.js";

export const SHROUD_ACTIONS = ["allowed", "blocked", "warned"] as const;
/** What a detector's finding led to: the call refused, the content changed, or only noted. */
export const DETECTOR_OUTCOMES = ["blocked", "redacted", "warned", "logged"] as const;

const shortText = z.string().max(200);

/** Which call, whose, on which day's counters, to which model: the same in its admission and its record. */
const callFields = {
  call_id: z.uuid(),
  agent_id: z.uuid(),
  org_id: z.uuid(),
  /** The UTC day whose counters this call counts against (YYYY-MM-DD). */
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  provider: shortText,
  model: shortText,
};

export const ShroudCallAdmitted = defineEvent("ShroudCallAdmitted", z.object(callFields));

const detectorFinding = z.object({
  detector: shortText,
  outcome: z.enum(DETECTOR_OUTCOMES),
  /** Where it fired: the request, or the response. */
  location: z.enum(["request", "response"]),
  /** Short, content-free label of what matched (a category or pattern name, never the matched text). */
  category: shortText,
});

export const ShroudCallRecorded = defineEvent("ShroudCallRecorded", z.object({
  ...callFields,
  /** The provider-shaped route called (e.g. /v1/chat/completions). */
  route: shortText,
  action: z.enum(SHROUD_ACTIONS),
  /** The status answered to the agent. */
  status: z.number().int(),
  streamed: z.boolean(),
  request_bytes: z.number().int().min(0),
  response_bytes: z.number().int().min(0),
  request_tokens: z.number().int().min(0),
  response_tokens: z.number().int().min(0),
  /** What the call cost by the configured price table, in millionths of a US dollar. */
  cost_micro_usd: z.number().int().min(0),
  latency_ms: z.number().int().min(0),
  secrets_redacted: z.number().int().min(0),
  pii_detected: z.array(shortText).max(20),
  injection_score: z.number().min(0).max(1),
  context_injection_score: z.number().min(0).max(1),
  response_injection_score: z.number().min(0).max(1),
  response_context_injection_score: z.number().min(0).max(1),
  findings: z.array(detectorFinding).max(100),
  policy_violations: z.array(z.string().max(300)).max(20),
  external_urls_flagged: z.number().int().min(0),
  unexpected_code_blocks: z.boolean(),
  content_filtered: z.boolean(),
}));

export const shroudUsageEvents = [ShroudCallAdmitted, ShroudCallRecorded] as const;
export type ShroudUsageEvent = EventsOf<typeof shroudUsageEvents>;
export const readShroudUsageEvent = eventReader(shroudUsageEvents);
export type ShroudCallRecord = z.output<typeof ShroudCallRecorded.schema>;
