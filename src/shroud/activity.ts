/** Recording a call: one ShroudCallRecorded on the agent's usage stream of the day, content-free. */
import { randomUUID } from "node:crypto";
import { shroudUsageAggregate } from "../../commands/shroud-usage.js";
import { ShroudCallRecorded, type ShroudCallRecord } from "../../events/shroud.js";
import type { CommandBus } from "../app/command-bus.js";
import type { EventMetadata } from "../eventstore/port.js";
import { nameBasedId } from "../ids/name-based-id.js";
import type { Finding } from "./inspect.js";

/** The UTC day of a moment, as the usage streams are cut. */
export const dayOf = (at: Date) => at.toISOString().slice(0, 10);
export const usageStreamId = (agentId: string, day: string) => nameBasedId("shroud_usage", agentId, day);

/** What a call has gathered so far; completed into the event when it ends, however it ends. */
export class CallRecord {
  readonly callId = randomUUID();
  readonly findings: Finding[] = [];
  provider = "unknown";
  model = "unknown";
  status = 0;
  streamed = false;
  requestBytes = 0;
  responseBytes = 0;
  requestTokens = 0;
  responseTokens = 0;
  costMicroUsd = 0;
  secretsRedacted = 0;
  piiDetected: string[] = [];
  injectionScore = 0;
  contextInjectionScore = 0;
  responseInjectionScore = 0;
  responseContextInjectionScore = 0;
  policyViolations: string[] = [];
  externalUrlsFlagged = 0;
  unexpectedCodeBlocks = false;
  contentFiltered = false;
  blocked = false;

  constructor(readonly route: string, readonly startedAt: number) {}

  event(agent: { id: string; orgId: string }, day: string, latencyMs: number): ShroudCallRecord {
    const warned = this.findings.some((f) => f.outcome === "warned");
    return ShroudCallRecorded.of({
      call_id: this.callId, agent_id: agent.id, org_id: agent.orgId, day, provider: this.provider.slice(0, 200),
      model: this.model.slice(0, 200), route: this.route.slice(0, 200),
      action: this.blocked ? "blocked" : warned ? "warned" : "allowed", status: this.status, streamed: this.streamed,
      request_bytes: this.requestBytes, response_bytes: this.responseBytes, request_tokens: this.requestTokens,
      response_tokens: this.responseTokens, cost_micro_usd: this.costMicroUsd, latency_ms: Math.max(0, Math.round(latencyMs)),
      secrets_redacted: this.secretsRedacted, pii_detected: this.piiDetected.slice(0, 20),
      injection_score: this.injectionScore, context_injection_score: this.contextInjectionScore,
      response_injection_score: this.responseInjectionScore, response_context_injection_score: this.responseContextInjectionScore,
      findings: this.findings.slice(0, 100), policy_violations: this.policyViolations.slice(0, 20).map((v) => v.slice(0, 300)),
      external_urls_flagged: this.externalUrlsFlagged, unexpected_code_blocks: this.unexpectedCodeBlocks,
      content_filtered: this.contentFiltered,
    }).data;
  }
}

export async function recordCall(bus: CommandBus, record: CallRecord, agent: { id: string; orgId: string }, at: Date,
  latencyMs: number, metadata: EventMetadata): Promise<void> {
  const day = dayOf(at);
  await bus.record(shroudUsageAggregate.stream(usageStreamId(agent.id, day)),
    [ShroudCallRecorded.of(record.event(agent, day, latencyMs))], { metadata, readYourWrites: false });
}
