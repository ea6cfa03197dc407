/** The policy engine's counting: an agent's calls of one day, per minute, per day and by cost. */
import { expect } from "chai";
import { ShroudBudgetExceeded, ShroudRateLimited, shroudUsageDecider, type AdmitShroudCall, type ShroudUsageState } from "../../commands/shroud-usage.js";
import { ShroudCallAdmitted, ShroudCallRecorded, type ShroudUsageEvent } from "../../events/shroud.js";

const AGENT = "6f1c1f43-4f0e-4a53-9d51-0a3f5b0c1e11";
const ORG = "0b9a3c55-8f5e-4c2b-a1b7-2f8c0f5e9d22";
const T0 = new Date("2026-11-28T12:00:00Z");
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

const admitted = (n: number): ShroudUsageEvent => ShroudCallAdmitted.of({
  call_id: `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`, agent_id: AGENT, org_id: ORG, day: "2026-11-28", provider: "openai", model: "gpt-4o",
});
const recorded = (cost: number): ShroudUsageEvent => ShroudCallRecorded.of({
  call_id: "00000000-0000-4000-8000-999999999999", agent_id: AGENT, org_id: ORG, day: "2026-11-28", provider: "openai", model: "gpt-4o",
  route: "/v1/chat/completions", action: "allowed", status: 200, streamed: false, request_bytes: 10, response_bytes: 10, request_tokens: 1,
  response_tokens: 1, cost_micro_usd: cost, latency_ms: 5, secrets_redacted: 0, pii_detected: [], injection_score: 0, context_injection_score: 0,
  response_injection_score: 0, response_context_injection_score: 0, findings: [], policy_violations: [], external_urls_flagged: 0,
  unexpected_code_blocks: false, content_filtered: false,
});

function state(...history: Array<[ShroudUsageEvent, Date]>): ShroudUsageState {
  return history.reduce((s, [event, when]) => shroudUsageDecider.evolve(s, Object.assign({}, event, { at: when })), shroudUsageDecider.initialState);
}

const admit = (limits: Partial<AdmitShroudCall["limits"]>): AdmitShroudCall => ({
  type: "AdmitShroudCall", callId: "00000000-0000-4000-8000-000000000777", agentId: AGENT, orgId: ORG, day: "2026-11-28",
  provider: "openai", model: "gpt-4o", limits: { perMinute: null, perDay: null, dailyBudgetMicroUsd: 0, ...limits },
});

describe("Shroud usage decider", () => {
  it("admits a call when nothing limits it", () => {
    const events = shroudUsageDecider.decide(admit({}), state(), T0);
    expect(events.map((e) => e.type)).to.deep.equal(["ShroudCallAdmitted"]);
  });

  it("refuses the call past max_requests_per_minute, with the seconds until the oldest leaves the window", () => {
    const history = state([admitted(1), at(-50)], [admitted(2), at(-10)]);
    expect(() => shroudUsageDecider.decide(admit({ perMinute: 2 }), history, T0)).to.throw(ShroudRateLimited, "max_requests_per_minute (2) exceeded for agent");
    try {
      shroudUsageDecider.decide(admit({ perMinute: 2 }), history, T0);
    } catch (error) {
      expect((error as ShroudRateLimited).retryAfterSeconds).to.equal(10);
    }
    expect(shroudUsageDecider.decide(admit({ perMinute: 2 }), history, at(11))).to.have.length(1);
  });

  it("refuses the call past max_requests_per_day until the next UTC day", () => {
    const history = state([admitted(1), at(-7200)], [admitted(2), at(-3600)]);
    expect(() => shroudUsageDecider.decide(admit({ perDay: 2 }), history, T0)).to.throw(ShroudRateLimited, "max_requests_per_day (2)");
    try {
      shroudUsageDecider.decide(admit({ perDay: 2 }), history, T0);
    } catch (error) {
      expect((error as ShroudRateLimited).retryAfterSeconds).to.equal(12 * 3600);
    }
  });

  it("refuses once the recorded cost reaches the daily budget, as a 403-category error", () => {
    const history = state([admitted(1), at(-5)], [recorded(600_000), at(-4)], [admitted(2), at(-3)], [recorded(400_000), at(-2)]);
    expect(() => shroudUsageDecider.decide(admit({ dailyBudgetMicroUsd: 1_000_000 }), history, T0))
      .to.throw(ShroudBudgetExceeded, "daily budget of $1.00 exceeded");
    expect(shroudUsageDecider.decide(admit({ dailyBudgetMicroUsd: 1_000_001 }), history, T0)).to.have.length(1);
  });
});
