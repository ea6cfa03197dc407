/**
 * Secret injection: credentials an agent pastes into a prompt that are not vault secrets (those are
 * redacted before this runs, so whatever is still found here came from somewhere else). Sensitivity says
 * how much is flagged: low, only keys with a provider's own prefix; medium adds tokens recognised by their
 * shape (JWTs, bearer tokens, `api_key=...` assignments); high adds any long random-looking token.
 */
import { filterCredentials, findCredentials } from "./response.js";

const SHAPED = [
  { name: "slack_token", pattern: /\bxox[abprs]-[A-Za-z0-9-]{10,}/ },
  { name: "google_api_key", pattern: /\bAIza[0-9A-Za-z_-]{35}\b/ },
  { name: "openai_key", pattern: /\bsk-(?:proj-)?[A-Za-z0-9_-]{20,}/ },
  { name: "anthropic_key", pattern: /\bsk-ant-[A-Za-z0-9_-]{20,}/ },
  { name: "key_assignment", pattern: /\b(?:api[_-]?key|secret|token|password|passwd)\s*[:=]\s*["']?[A-Za-z0-9_\-.+/=]{16,}/i },
] as const;
/** Provider-prefixed kinds from the response filter's table: unambiguous whatever the sensitivity. */
const PREFIXED = new Set(["aws_access_key", "github_token", "stripe_key", "private_key_pem", "keyledger_key"]);

/** Shannon entropy per character: random keys score over 4, words and identifiers under. */
function entropy(text: string): number {
  const counts = new Map<string, number>();
  for (const char of text) counts.set(char, (counts.get(char) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) bits -= (count / text.length) * Math.log2(count / text.length);
  return bits;
}

const TOKEN = /[A-Za-z0-9_\-+/=]{32,}/g;

function randomTokens(text: string): string[] {
  return [...text.matchAll(TOKEN)].map((m) => m[0])
    .filter((token) => /[A-Z]/.test(token) && /[a-z]/.test(token) && /\d/.test(token) && entropy(token) > 4);
}

export type Sensitivity = "low" | "medium" | "high";

/** The kinds of credential found (content-free names). */
export function detectSecretInjection(text: string, sensitivity: Sensitivity): string[] {
  const kinds = findCredentials(text).filter((kind) => sensitivity !== "low" || PREFIXED.has(kind));
  if (sensitivity !== "low") kinds.push(...SHAPED.filter((rule) => rule.pattern.test(text)).map((rule) => rule.name));
  if (sensitivity === "high" && randomTokens(text).length > 0) kinds.push("high_entropy_token");
  return [...new Set(kinds)];
}

/** The text with what detectSecretInjection finds at this sensitivity replaced by `[FILTERED:<kind>]`. */
export function redactInjectedSecrets(text: string, sensitivity: Sensitivity): string {
  let out = filterCredentials(text, sensitivity === "low" ? [...PREFIXED] : undefined);
  if (sensitivity !== "low") {
    for (const rule of SHAPED) out = out.replace(new RegExp(rule.pattern.source, `${rule.pattern.flags}g`), `[FILTERED:${rule.name}]`);
  }
  if (sensitivity === "high") for (const token of randomTokens(out)) out = out.split(token).join("[FILTERED:high_entropy_token]");
  return out;
}
