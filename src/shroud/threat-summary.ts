/** The threat summary of a period's calls: counts per detector and outcome, and the calls that were flagged. */
import type { ShroudCall } from "./queries.js";

const FLAGGED_LIMIT = 50;

export function summarizeThreats(calls: readonly ShroudCall[], previousTotal: number) {
  const detectors = new Map<string, { detector: string; detections: number; blocks: number; actions: { blocked: number; warned: number; logged: number } }>();
  let triggered = 0;
  for (const call of calls) {
    for (const finding of call.findings) {
      // Redaction is the proxy doing its job, not a threat.
      if (finding.detector === "secret_redaction" || finding.detector === "unicode") continue;
      triggered++;
      const entry = detectors.get(finding.detector) ?? { detector: finding.detector, detections: 0, blocks: 0, actions: { blocked: 0, warned: 0, logged: 0 } };
      entry.detections++;
      if (finding.outcome === "blocked") entry.blocks++;
      entry.actions[finding.outcome === "redacted" ? "warned" : finding.outcome]++;
      detectors.set(finding.detector, entry);
    }
  }
  const flagged = calls.filter((call) => call.action !== "allowed" || call.findings.some((f) => f.outcome === "logged" && f.detector !== "unicode"))
    .slice(0, FLAGGED_LIMIT)
    .map((call) => ({
      id: call.call_id, timestamp: call.occurred_at.toISOString(), agent_id: call.agent_id, agent_name: call.agent_name ?? null,
      score: Math.max(call.injection_score, call.context_injection_score, call.response_injection_score, call.response_context_injection_score),
      reason: call.policy_violations[0] ?? call.findings.filter((f) => f.detector !== "secret_redaction").map((f) => `${f.detector}: ${f.category}`)[0] ?? "",
      action: call.action === "allowed" ? "logged" as const : call.action,
    }));
  return {
    total_requests: calls.length,
    total_requests_prev: previousTotal,
    blocked_requests: calls.filter((call) => call.action === "blocked").length,
    detectors_triggered: triggered,
    active_agents: new Set(calls.map((call) => call.agent_id)).size,
    detectors: [...detectors.values()].sort((a, b) => b.detections - a.detections),
    flagged_requests: flagged,
  };
}
