import { randomUUID } from "node:crypto";
import { ShroudCallAdmitted, ShroudCallRecorded } from "../../events/shroud.js";
import { shroudCallsProjection } from "../../projections/shroud-calls.js";
import { describeProjection, fact } from "../support/projection-spec.js";

const [org, agent] = [randomUUID(), randomUUID()];
const call = (callId: string, extra: Partial<Parameters<typeof ShroudCallRecorded.of>[0]> = {}) => ShroudCallRecorded.of({
  call_id: callId, agent_id: agent, org_id: org, day: "2026-01-01", provider: "openai", model: "gpt-4o-mini",
  route: "/v1/chat/completions", action: "allowed", status: 200, streamed: false, request_bytes: 120, response_bytes: 300,
  request_tokens: 30, response_tokens: 75, cost_micro_usd: 50, latency_ms: 12, secrets_redacted: 1, pii_detected: [],
  injection_score: 0, context_injection_score: 0, response_injection_score: 0, response_context_injection_score: 0,
  findings: [{ detector: "secret_redaction", outcome: "redacted", location: "request", category: "vault_secret" }],
  policy_violations: [], external_urls_flagged: 0, unexpected_code_blocks: false, content_filtered: false, ...extra,
});

describe("shroud_calls read model", () => {
  const spec = describeProjection(shroudCallsProjection);

  it("keeps one row per recorded call, blocked ones too, and ignores admissions", async () => {
    const [allowed, blocked] = [randomUUID(), randomUUID()];
    await (await spec().given(
      ShroudCallAdmitted.of({ call_id: allowed, agent_id: agent, org_id: org, day: "2026-01-01", provider: "openai", model: "gpt-4o-mini" }),
      fact(call(allowed), { at: new Date("2026-01-01T10:00:00Z") }),
      fact(call(blocked, { action: "blocked", status: 403, injection_score: 1, secrets_redacted: 0, findings: [],
        policy_violations: ["prompt injection score 1.00 exceeds threshold 0.70"] }), { at: new Date("2026-01-01T10:01:00Z") }),
    )).expectRows(`select call_id, action, status, request_tokens, cost_micro_usd::int as cost, secrets_redacted, injection_score,
                     policy_violations, occurred_at from shroud_calls order by occurred_at`, [
      { call_id: allowed, action: "allowed", status: 200, request_tokens: 30, cost: 50, secrets_redacted: 1, injection_score: 0,
        policy_violations: [], occurred_at: new Date("2026-01-01T10:00:00Z") },
      { call_id: blocked, action: "blocked", status: 403, request_tokens: 30, cost: 50, secrets_redacted: 0, injection_score: 1,
        policy_violations: ["prompt injection score 1.00 exceeds threshold 0.70"], occurred_at: new Date("2026-01-01T10:01:00Z") },
    ]);
  });
});
