/**
 * Personal data in model traffic, the seven categories of 1claw's `pii_policy`: US SSN, payment card numbers,
 * email addresses, US phone numbers, IPv4 addresses, AWS access keys, and generic API keys/tokens/secrets/
 * passwords given with a value of 20 or more characters. Found spans can be masked (`redact`).
 */
export const PII_CATEGORIES = ["ssn", "credit_card", "email", "phone", "ipv4", "aws_access_key", "api_key"] as const;
export type PiiCategory = (typeof PII_CATEGORIES)[number];

const RULES: ReadonlyArray<{ category: PiiCategory; pattern: RegExp; valid?: (match: string) => boolean }> = [
  // Area 000, 666 and 9xx are never issued; group 00 and serial 0000 neither.
  { category: "ssn", pattern: /\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b/g },
  { category: "credit_card", pattern: /\b\d{4}[ -]\d{4}[ -]\d{4}[ -]\d{4}\b|\b\d{16}\b/g, valid: luhn },
  { category: "email", pattern: /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g },
  { category: "phone", pattern: /(?<![\d-])(?:\+1[ .-]?)?(?:\(\d{3}\)\s?|\d{3}[ .-])\d{3}[ .-]\d{4}(?![\d-])/g },
  { category: "ipv4", pattern: /\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b/g },
  { category: "aws_access_key", pattern: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g },
  { category: "api_key", pattern: /\b(?:api[_-]?key|token|secret|password|passwd)\b["']?\s*[:=]\s*["']?[A-Za-z0-9_\-./+=]{20,}/gi },
];

/** Payment card numbers pass the Luhn check; 16 random digits mostly do not. */
function luhn(match: string): boolean {
  const digits = match.replace(/\D/g, "");
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

export interface PiiSpan {
  category: PiiCategory;
  start: number;
  end: number;
}

/** Every span of personal data, leftmost first, overlapping ones merged into the first found. */
export function findPii(text: string): PiiSpan[] {
  const spans: PiiSpan[] = [];
  for (const rule of RULES) {
    for (const match of text.matchAll(rule.pattern)) {
      if (rule.valid && !rule.valid(match[0])) continue;
      spans.push({ category: rule.category, start: match.index, end: match.index + match[0].length });
    }
  }
  spans.sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: PiiSpan[] = [];
  for (const span of spans) {
    const last = merged[merged.length - 1];
    if (last && span.start < last.end) continue;
    merged.push(span);
  }
  return merged;
}

/** The text with each span replaced by `[PII:<category>]`. */
export function maskPii(text: string, spans: readonly PiiSpan[] = findPii(text)): string {
  let out = "";
  let at = 0;
  for (const span of spans) {
    out += `${text.slice(at, span.start)}[PII:${span.category}]`;
    at = span.end;
  }
  return out + text.slice(at);
}
