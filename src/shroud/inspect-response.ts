/**
 * The response pipeline: vault secrets the model repeats are redacted; credential-looking strings are
 * filtered (enable_response_filtering); injection aimed at the agent (echoed instructions, fake system
 * boundaries, markdown-image exfiltration, active data: URIs) is scored, and at RESPONSE_BLOCK_SCORE or more
 * the response is withheld (1claw's rule when no output_policy says otherwise). Pure, like inspectRequest.
 */
import { contextInjectionScore, promptInjectionScore } from "./detectors/injection.js";
import { detectNetworkThreats } from "./detectors/network.js";
import { detectResponseExfiltration, filterCredentials, findCredentials } from "./detectors/response.js";
import type { Threat } from "./detectors/threat.js";
import type { Finding } from "./inspect.js";
import { jsonStrings, mapJsonStrings } from "./json-strings.js";
import type { SecretMatcher } from "./redaction/matcher.js";
import type { ShroudSettings } from "./settings.js";

export const RESPONSE_BLOCK_SCORE = 0.7;
/** An exfiltration channel in a response is enough to withhold it on its own. */
const EXFILTRATION_WEIGHT = 0.7;

export interface ResponseInspection {
  body: unknown;
  blocked?: string;
  threats: Threat[];
  findings: Finding[];
  secretsRedacted: number;
  responseInjectionScore: number;
  responseContextInjectionScore: number;
  externalUrlsFlagged: number;
  unexpectedCodeBlocks: boolean;
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

/** Scores a response's text (whole, or a stream's released text at its end). */
export function scoreResponseText(text: string, settings: ShroudSettings) {
  const prompt = promptInjectionScore(text);
  const context = contextInjectionScore(text);
  const exfiltration = detectResponseExfiltration(text);
  const network = settings.network.enabled ? detectNetworkThreats(text, settings.network, "response") : { threats: [], flaggedUrls: 0 };
  const score = Math.min(1, prompt.score + exfiltration.length * EXFILTRATION_WEIGHT);
  const threats = [...exfiltration, ...network.threats,
    ...prompt.categories.map((c): Threat => ({ threat_type: "response_injection", pattern: c, location: "response", severity: "high" })),
    ...context.categories.map((c): Threat => ({ threat_type: "response_context_injection", pattern: c, location: "response", severity: "high" }))];
  return { score, contextScore: context.score, threats, flaggedUrls: network.flaggedUrls, codeBlocks: /```/.test(text) };
}

export function inspectResponse(parsed: unknown, settings: ShroudSettings, matcher: SecretMatcher | undefined): ResponseInspection {
  const counts = { secrets: 0, credentials: [] as string[] };
  const clean = (text: string) => cleanResponseText(text, settings, matcher, counts);
  const body = mapJsonStrings(parsed, clean, clean);
  const scored = scoreResponseText(jsonStrings(body).join("\n"), settings);
  const findings: Finding[] = [];
  if (counts.secrets > 0) findings.push({ detector: "secret_redaction", outcome: "redacted", location: "response", category: "vault_secret" });
  for (const kind of new Set(counts.credentials)) findings.push({ detector: "response_credentials", outcome: "redacted", location: "response", category: kind });
  const worst = Math.max(scored.score, scored.contextScore);
  const blocked = worst >= RESPONSE_BLOCK_SCORE
    ? `response injection score ${worst.toFixed(2)} exceeds threshold ${RESPONSE_BLOCK_SCORE.toFixed(2)}` : undefined;
  for (const threat of scored.threats) {
    findings.push({ detector: threat.threat_type, outcome: blocked ? "blocked" : "warned", location: "response", category: threat.pattern });
  }
  return {
    body, blocked, threats: scored.threats, findings, secretsRedacted: counts.secrets,
    responseInjectionScore: scored.score, responseContextInjectionScore: scored.contextScore,
    externalUrlsFlagged: scored.flaggedUrls, unexpectedCodeBlocks: false,
    contentFiltered: counts.credentials.length > 0 || scored.threats.length > 0,
  };
}
