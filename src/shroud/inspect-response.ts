/**
 * The response pipeline: vault secrets the model repeats are redacted (advanced forms too, when configured);
 * credential-looking strings are filtered (enable_response_filtering); then the response is judged: tool
 * calls, the output policy, injection aimed at the agent (echoed instructions, fake system boundaries,
 * markdown-image exfiltration, active data: URIs: withheld at RESPONSE_BLOCK_SCORE or more unless the
 * output policy's action says otherwise, 1claw's rule), and the semantic policy. Pure, like inspectRequest.
 */
import { contextInjectionScore, promptInjectionScore } from "./detectors/injection.js";
import { detectNetworkThreats } from "./detectors/network.js";
import { checkOutputPolicy } from "./detectors/output-policy.js";
import { detectResponseExfiltration, filterCredentials, findCredentials } from "./detectors/response.js";
import { checkSemanticResponse } from "./detectors/semantic.js";
import type { Threat } from "./detectors/threat.js";
import { extractToolCalls, inspectToolCalls, type ToolCall } from "./detectors/tool-calls.js";
import { effective, OUTCOME, toolCallOptions, type Action, type Finding } from "./inspect.js";
import { jsonStrings, mapJsonStrings, withJsonStrings } from "./json-strings.js";
import { advancedRedact } from "./redaction/advanced.js";
import type { SecretMatcher } from "./redaction/matcher.js";
import type { ShroudSettings } from "./settings.js";

export const RESPONSE_BLOCK_SCORE = 0.7;
/** An exfiltration channel in a response is enough to withhold it on its own. */
const EXFILTRATION_WEIGHT = 0.7;

export interface ResponseVerdict {
  /** Why the response is withheld (403), when it is. */
  blocked?: string;
  threats: Threat[];
  findings: Finding[];
  responseInjectionScore: number;
  responseContextInjectionScore: number;
  externalUrlsFlagged: number;
  unexpectedCodeBlocks: boolean;
  /** Something was flagged (delivered or not). */
  flagged: boolean;
}

export interface ResponseInspection extends ResponseVerdict {
  body: unknown;
  secretsRedacted: number;
  contentFiltered: boolean;
}

/** Secrets and (when filtering) credentials out of one text; counts what it redacted. */
export function cleanResponseText(text: string, settings: ShroudSettings, matcher: SecretMatcher | undefined,
  counts: { secrets: number; credentials: string[] }): string {
  let out = text;
  if (settings.secretRedaction && matcher && matcher.size > 0) {
    const result = matcher.redact(out);
    counts.secrets += result.count;
    out = result.text;
  }
  if (settings.responseFiltering) {
    const found = findCredentials(out);
    if (found.length > 0) {
      counts.credentials.push(...found);
      out = filterCredentials(out);
    }
  }
  return out;
}

/** Scores a response's text for injection aimed at the agent. */
function scoreResponseText(text: string, settings: ShroudSettings) {
  const prompt = promptInjectionScore(text);
  const context = contextInjectionScore(text);
  const exfiltration = detectResponseExfiltration(text);
  const network = settings.network.enabled ? detectNetworkThreats(text, settings.network, "response") : { threats: [], flaggedUrls: 0 };
  const score = Math.min(1, prompt.score + exfiltration.length * EXFILTRATION_WEIGHT);
  const threats = [...exfiltration, ...network.threats,
    ...prompt.categories.map((c): Threat => ({ threat_type: "response_injection", pattern: c, location: "response", severity: "high" })),
    ...context.categories.map((c): Threat => ({ threat_type: "response_context_injection", pattern: c, location: "response", severity: "high" }))];
  return { score, contextScore: context.score, threats, flaggedUrls: network.flaggedUrls };
}

/**
 * Judges a response's text (whole, or what a stream has produced so far) and its tool calls. Each layer acts
 * as its action says; the first blocking layer's reason is the refusal.
 */
export function judgeResponse(text: string, calls: readonly ToolCall[], settings: ShroudSettings): ResponseVerdict {
  const findings: Finding[] = [];
  const threats: Threat[] = [];
  let blocked: string | undefined;
  const note = (detector: string, action: Action, category: string, reason: string) => {
    findings.push({ detector, outcome: OUTCOME[action], location: "response", category });
    if (action === "block") blocked ??= reason;
  };

  if (settings.toolCalls.enabled && calls.length > 0) {
    const inspected = inspectToolCalls(calls, toolCallOptions(settings), "response");
    threats.push(...inspected.threats);
    const action = effective(settings.toolCalls.action, settings, false);
    for (const violation of inspected.violations) note("tool_call", action, violation.category, violation.reason);
  }
  if (settings.outputPolicy.enabled) {
    const action = effective(settings.outputPolicy.action, settings, false);
    for (const found of checkOutputPolicy(text, settings.outputPolicy)) {
      note("output_policy", action, found.category, `response violates output_policy (${found.category})`);
    }
  }
  const scored = scoreResponseText(text, settings);
  threats.push(...scored.threats);
  const worst = Math.max(scored.score, scored.contextScore);
  const injectionAction: Action = worst >= RESPONSE_BLOCK_SCORE ? settings.responseInjectionAction : "warn";
  for (const threat of scored.threats) {
    note(threat.threat_type, injectionAction, threat.pattern,
      `response injection score ${worst.toFixed(2)} exceeds threshold ${RESPONSE_BLOCK_SCORE.toFixed(2)}`);
  }
  let unexpectedCodeBlocks = false;
  if (settings.semanticPolicy.enabled) {
    const action = effective(settings.semanticPolicy.action, settings, false);
    for (const violation of checkSemanticResponse(text, settings.semanticPolicy)) {
      if (violation.category === "unexpected_code_block") unexpectedCodeBlocks = true;
      note("semantic_policy", action, violation.category, violation.reason);
    }
  }
  return { blocked, threats, findings, responseInjectionScore: scored.score, responseContextInjectionScore: scored.contextScore,
    externalUrlsFlagged: scored.flaggedUrls, unexpectedCodeBlocks, flagged: findings.length > 0 };
}

export function inspectResponse(parsed: unknown, settings: ShroudSettings, matcher: SecretMatcher | undefined): ResponseInspection {
  const counts = { secrets: 0, credentials: [] as string[] };
  const clean = (text: string) => cleanResponseText(text, settings, matcher, counts);
  let body = mapJsonStrings(parsed, clean, clean);
  if (settings.secretRedaction && settings.advancedRedaction.enabled && matcher) {
    const advanced = advancedRedact(jsonStrings(body), matcher, settings.advancedRedaction);
    if (advanced.count > 0) {
      counts.secrets += advanced.count;
      body = withJsonStrings(body, advanced.strings);
    }
  }
  const verdict = judgeResponse(jsonStrings(body).join("\n"), extractToolCalls(body), settings);
  const findings: Finding[] = [];
  if (counts.secrets > 0) findings.push({ detector: "secret_redaction", outcome: "redacted", location: "response", category: "vault_secret" });
  for (const kind of new Set(counts.credentials)) findings.push({ detector: "response_credentials", outcome: "redacted", location: "response", category: kind });
  return { ...verdict, findings: [...findings, ...verdict.findings], body, secretsRedacted: counts.secrets,
    contentFiltered: counts.credentials.length > 0 || verdict.flagged };
}
