/**
 * The request pipeline, in 1claw's order: vault secrets redacted (advanced forms too, when configured), hidden
 * characters stripped, Unicode normalised, then secret injection, PII, context and prompt injection, command
 * injection, encoding, social engineering, network and filesystem detectors, tool calls and the semantic
 * policy, each acting as the agent's settings say (block, redact/sanitize/decode, warn, log), then vault
 * secrets redacted again. Pure: it takes the parsed body and answers the body to forward, or the reason to block.
 */
import type { DETECTOR_OUTCOMES } from "../../events/shroud.js";
import { detectCommandInjection, sanitizeCommandInjection } from "./detectors/command-injection.js";
import { decodeBase64Runs, detectEncoding } from "./detectors/encoding.js";
import { detectFilesystemThreats } from "./detectors/filesystem.js";
import { contextInjectionScore, injectionVerdict, promptInjectionScore } from "./detectors/injection.js";
import { detectNetworkThreats } from "./detectors/network.js";
import { findPii, maskPii } from "./detectors/pii.js";
import { detectSocialEngineering } from "./detectors/social-engineering.js";
import type { Threat } from "./detectors/threat.js";
import { detectSecretInjection, redactInjectedSecrets } from "./detectors/secret-injection.js";
import { checkSemanticRequest } from "./detectors/semantic.js";
import { extractToolCalls, inspectToolCalls } from "./detectors/tool-calls.js";
import { normalizeUnicode, stripHiddenCharacters } from "./detectors/unicode.js";
import { estimateTokens, jsonStrings, mapJsonStrings, withJsonStrings } from "./json-strings.js";
import { advancedRedact } from "./redaction/advanced.js";
import type { SecretMatcher } from "./redaction/matcher.js";
import type { ShroudSettings } from "./settings.js";

export type Outcome = (typeof DETECTOR_OUTCOMES)[number];

export interface Finding {
  detector: string;
  outcome: Outcome;
  location: "request" | "response";
  category: string;
}

export interface RequestInspection {
  /** What goes upstream (absent when blocked). */
  body?: unknown;
  /** Why the call is refused (403), in 1claw's words. */
  blocked?: string;
  threats: Threat[];
  findings: Finding[];
  unicodeNormalized: boolean;
  piiCategories: string[];
  injectionScore: number;
  contextInjectionScore: number;
  secretsRedacted: number;
  requestTokens: number;
}

export type Action = "block" | "sanitize" | "redact" | "decode" | "warn" | "log" | "allow";

/** sanitization_mode: `log_only` blocks nothing a detector finds; `surgical` strips where it can instead of blocking. */
export function effective(action: Action, settings: ShroudSettings, canSanitize: boolean): Action {
  if (settings.sanitizationMode === "log_only") return action === "allow" ? "allow" : "log";
  if (settings.sanitizationMode === "surgical" && action === "block") return canSanitize ? "sanitize" : "warn";
  return action;
}

export const OUTCOME: Record<Action, Outcome> = {
  block: "blocked", sanitize: "redacted", redact: "redacted", decode: "redacted", warn: "warned", log: "logged", allow: "logged",
};

export function inspectRequest(parsed: unknown, settings: ShroudSettings, matcher: SecretMatcher | undefined): RequestInspection {
  const findings: Finding[] = [];
  const threats: Threat[] = [];
  let blocked: string | undefined;
  const note = (detector: string, action: Action, categories: readonly string[], reason: string) => {
    for (const category of categories) findings.push({ detector, outcome: OUTCOME[action], location: "request", category });
    if (action === "block") blocked ??= reason;
  };

  // 2 (first, on the body as sent, then again last so that no later rewrite can bring a value back).
  let secretsRedacted = 0;
  const redactSecrets = (value: unknown) => {
    if (!settings.secretRedaction || !matcher || matcher.size === 0) return value;
    const redact = (text: string) => {
      const result = matcher.redact(text);
      secretsRedacted += result.count;
      return result.text;
    };
    let redacted = mapJsonStrings(value, redact, redact);
    if (settings.advancedRedaction.enabled) {
      const advanced = advancedRedact(jsonStrings(redacted), matcher, settings.advancedRedaction);
      if (advanced.count > 0) {
        secretsRedacted += advanced.count;
        redacted = withJsonStrings(redacted, advanced.strings);
      }
    }
    return redacted;
  };

  // 1 and 8: hidden characters always go; normalisation as configured.
  let unicodeNormalized = false;
  let body = mapJsonStrings(redactSecrets(parsed), (text) => {
    let out = stripHiddenCharacters(text);
    if (out.removed > 0) unicodeNormalized = true;
    if (!settings.unicode.enabled) return out.text;
    const normalized = normalizeUnicode(out.text, { form: settings.unicode.form, homoglyphs: settings.unicode.homoglyphs });
    if (normalized.changed) unicodeNormalized = true;
    return normalized.text;
  });
  if (unicodeNormalized) findings.push({ detector: "unicode", outcome: "redacted", location: "request", category: "normalized" });
  let text = jsonStrings(body).join("\n");

  // 3: credentials the agent pastes that are not vault secrets (those are redacted above, or masked here when
  // redaction is off, so that a vault value is never taken for a foreign one).
  const injection = settings.secretInjection;
  if (injection.enabled) {
    const unknown = !settings.secretRedaction && matcher ? matcher.redact(text).text : text;
    const kinds = detectSecretInjection(unknown, injection.sensitivity);
    if (kinds.length > 0) {
      const action = effective(injection.action, settings, true);
      threats.push(...kinds.map((kind): Threat => ({ threat_type: "secret_injection", pattern: kind, location: "request", severity: "high" })));
      note("secret_injection", action, kinds, `secret injection detected (${kinds.join(", ")}): credentials not from the vault and agent policy is block`);
      if (action === "redact" || action === "sanitize") {
        body = mapJsonStrings(body, (value) => redactInjectedSecrets(value, injection.sensitivity));
        text = jsonStrings(body).join("\n");
      }
    }
  }

  // 4: PII.
  // `allow`: personal data is the agent's business; not even noted.
  const pii = settings.piiPolicy === "allow" ? [] : findPii(text);
  const piiCategories = [...new Set(pii.map((span) => span.category))];
  if (piiCategories.length > 0) {
    const action = effective(settings.piiPolicy, settings, true);
    note("pii", action, piiCategories, `PII detected (${piiCategories.join(", ")}) and agent policy is block`);
    if (action === "redact" || action === "sanitize") body = mapJsonStrings(body, (value) => maskPii(value));
  }

  // 5 and 6: injection scores against the agent's thresholds (the hard floor whatever the mode).
  const context = contextInjectionScore(text);
  const prompt = promptInjectionScore(text);
  for (const [detector, result, threshold] of [["context_injection", context, settings.contextInjectionThreshold],
    ["prompt_injection", prompt, settings.injectionThreshold]] as const) {
    if (result.score === 0) continue;
    const verdict = injectionVerdict(detector === "prompt_injection" ? "prompt" : "context", result, threshold);
    const hard = result.score > 0.9;
    const action: Action = verdict ? (hard ? "block" : effective("block", settings, false)) : "log";
    note(detector, action, result.categories, verdict ?? "");
  }

  // 9-13: the threat detectors.
  const command = settings.commandInjection;
  if (command.enabled) {
    const found = detectCommandInjection(text, command, "request");
    if (found.length > 0) {
      const action = effective(command.action, settings, true);
      threats.push(...found);
      note("command_injection", action, found.map((t) => t.pattern), "command injection detected and agent policy is block");
      if (action === "sanitize") body = mapJsonStrings(body, (value) => sanitizeCommandInjection(value, command));
    }
  }
  const encoding = settings.encoding;
  if (encoding.enabled) {
    const found = detectEncoding(text, encoding, "request");
    if (found.length > 0) {
      const action = effective(encoding.action, settings, false);
      threats.push(...found);
      note("encoding", action, found.map((t) => t.pattern), "encoded content detected and agent policy is block");
      if (action === "decode") body = mapJsonStrings(body, decodeBase64Runs);
    }
  }
  const social = settings.socialEngineering;
  if (social.enabled) {
    const found = detectSocialEngineering(text, social.sensitivity, "request");
    if (found.length > 0) {
      threats.push(...found);
      note("social_engineering", effective(social.action, settings, false), found.map((t) => t.pattern),
        "social engineering detected and agent policy is block");
    }
  }
  const network = settings.network;
  if (network.enabled) {
    const { threats: found } = detectNetworkThreats(text, network, "request");
    if (found.length > 0) {
      threats.push(...found);
      note("network", effective(network.action, settings, false), found.map((t) => t.pattern),
        "network threat detected and agent policy is block");
    }
  }
  const filesystem = settings.filesystem;
  if (filesystem.enabled) {
    const found = detectFilesystemThreats(text, filesystem.blockedPaths, "request");
    if (found.length > 0) {
      threats.push(...found);
      note("filesystem", effective(filesystem.action, settings, false), found.map((t) => t.pattern),
        "sensitive filesystem path detected and agent policy is block");
    }
  }

  // 14: tools offered and called, and the calls' arguments.
  if (settings.toolCalls.enabled) {
    const { violations, threats: found } = inspectToolCalls(extractToolCalls(body), toolCallOptions(settings), "request");
    threats.push(...found);
    const action = effective(settings.toolCalls.action, settings, false);
    for (const violation of violations) note("tool_call", action, [violation.category], violation.reason);
  }

  // 15: the semantic policy (topics and tasks).
  if (settings.semanticPolicy.enabled) {
    const action = effective(settings.semanticPolicy.action, settings, false);
    for (const violation of checkSemanticRequest(text, settings.semanticPolicy)) note("semantic_policy", action, [violation.category], violation.reason);
  }

  body = redactSecrets(body);
  if (secretsRedacted > 0) findings.push({ detector: "secret_redaction", outcome: "redacted", location: "request", category: "vault_secret" });

  return {
    body: blocked ? undefined : body, blocked, threats, findings, unicodeNormalized, piiCategories,
    injectionScore: prompt.score, contextInjectionScore: context.score, secretsRedacted,
    requestTokens: estimateTokens(jsonStrings(body)),
  };
}

/** The tool-call layer's options: its own, and the threat detectors' settings for the arguments. */
export function toolCallOptions(settings: ShroudSettings) {
  return { ...settings.toolCalls, commandInjection: settings.commandInjection, network: settings.network,
    blockedPaths: settings.filesystem.blockedPaths };
}
