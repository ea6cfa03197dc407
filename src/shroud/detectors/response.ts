/**
 * What only a response can carry: credentials the model produced (a model may repeat or invent keys), and
 * exfiltration channels aimed at the client that renders it: markdown images whose URL carries a query
 * payload, and active `data:` URIs.
 */
import type { Threat } from "./threat.js";

const CREDENTIAL_RULES = [
  { name: "aws_access_key", pattern: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/ },
  { name: "github_token", pattern: /\bgh[pousr]_[A-Za-z0-9]{36,}\b/ },
  { name: "stripe_key", pattern: /\b(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{16,}\b/ },
  { name: "jwt", pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/ },
  { name: "private_key_pem", pattern: /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/ },
  { name: "bearer_token", pattern: /\bBearer\s+[A-Za-z0-9_\-.=]{20,}/ },
  { name: "keyledger_key", pattern: /\b(?:1ck|ocv)_[A-Za-z0-9_-]{20,}/ },
] as const;

/** Names of credential kinds found in the text. */
export function findCredentials(text: string): string[] {
  return CREDENTIAL_RULES.filter((rule) => rule.pattern.test(text)).map((rule) => rule.name);
}

/** The text with every credential-looking span (of the given kinds, else all) replaced by `[FILTERED:<kind>]`. */
export function filterCredentials(text: string, kinds?: readonly string[]): string {
  return CREDENTIAL_RULES.filter((rule) => !kinds || kinds.includes(rule.name)).reduce((out, rule) =>
    out.replace(new RegExp(rule.pattern.source, "g"), `[FILTERED:${rule.name}]`), text);
}

export function detectResponseExfiltration(text: string): Threat[] {
  const threats: Threat[] = [];
  if (/!\[[^\]]*\]\(\s*https?:\/\/[^\s)]+\?[^\s)]*=[^\s)]{8,}\)/i.test(text)) {
    threats.push({ threat_type: "response_injection", pattern: "markdown_image_exfiltration", location: "response", severity: "high" });
  }
  if (/data:(?:text\/html|application\/javascript|text\/javascript)[;,]/i.test(text)) {
    threats.push({ threat_type: "response_injection", pattern: "active_data_uri", location: "response", severity: "high" });
  }
  return threats;
}
