/** What every detector reports: the shape of the items of the `X-Shroud-Inspection` header. */
export type Severity = "low" | "medium" | "high" | "critical";

export interface Threat {
  threat_type: string;
  /** The name of the rule that matched (never the matched text: it may be a secret or personal data). */
  pattern: string;
  location: "request" | "response";
  severity: Severity;
}

/** Runs a table of named regular expressions over text; one threat per rule that matches. */
export function matchRules(text: string, rules: readonly { name: string; pattern: RegExp; severity: Severity }[],
  threatType: string, location: Threat["location"]): Threat[] {
  return rules.filter((rule) => rule.pattern.test(text))
    .map((rule) => ({ threat_type: threatType, pattern: rule.name, location, severity: rule.severity }));
}
