/**
 * Advanced redaction (`advanced_redaction`), over the strings of a body after plain redaction, for vault
 * values at least `min_secret_length` long: a value inside a base64 run (decoded, whatever its alignment
 * in the run), a value's first half leaked on its own (the prefix), and a value split across strings
 * (messages, content parts) or broken up by whitespace. Each is replaced by the value's redaction tag.
 */
import type { SecretMatcher, Span } from "./matcher.js";

export interface AdvancedOptions {
  base64: boolean;
  split: boolean;
  prefix: boolean;
  minSecretLength: number;
}

const BASE64_RUN = /[A-Za-z0-9+/_-]{16,}={0,2}/g;

/** The first tag a matcher finds in a decoded base64 run, if any. */
function secretInBase64(run: string, matcher: SecretMatcher): string | undefined {
  const bytes = Buffer.from(run.replace(/-/g, "+").replace(/_/g, "/"), "base64");
  // A run that decodes to text (at whatever offset the value sits) is searched; binary is searched as latin1 too.
  for (const decoded of [bytes.toString("utf8"), bytes.toString("latin1")]) {
    const [span] = matcher.spans(decoded);
    if (span) return span.tag;
  }
  return undefined;
}

function redactBase64(text: string, matcher: SecretMatcher, counter: { count: number }): string {
  return text.replace(BASE64_RUN, (run) => {
    const tag = secretInBase64(run, matcher);
    if (!tag) return run;
    counter.count++;
    return tag;
  });
}

/** Each leaked beginning, extended over as much more of its value as follows it. */
function redactPrefixes(text: string, prefixes: SecretMatcher, whole: SecretMatcher, counter: { count: number }): string {
  const spans = prefixes.spans(text);
  if (spans.length === 0) return text;
  let out = "";
  let at = 0;
  for (const span of spans) {
    if (span.start < at) continue;
    const value = whole.valueTagged(span.tag) ?? "";
    let end = span.end;
    while (end < text.length && end - span.start < value.length && text[end] === value[end - span.start]) end++;
    out += text.slice(at, span.start) + span.tag;
    at = end;
    counter.count++;
  }
  return out + text.slice(at);
}

/** The shape words between two messages' texts (roles, part types): not text, so a split value is joined over them. */
const STRUCTURAL = new Set(["user", "assistant", "system", "developer", "tool", "model", "function", "text", "input_text",
  "output_text", "message", "tool_use", "tool_result"]);

/**
 * Values whose characters are spread over several strings, or interrupted by whitespace: the strings are
 * joined without whitespace, matched, and each matched character removed where it came from; the tag goes
 * where the value began.
 */
function redactSplit(strings: string[], matcher: SecretMatcher, counter: { count: number }): string[] {
  let joined = "";
  const origin: Array<[number, number]> = [];
  strings.forEach((text, s) => {
    if (STRUCTURAL.has(text)) return;
    for (let i = 0; i < text.length; i++) {
      if (/\s/.test(text[i])) continue;
      joined += text[i];
      origin.push([s, i]);
    }
  });
  const spans: Span[] = matcher.spans(joined);
  if (spans.length === 0) return strings;
  const removed = strings.map(() => new Map<number, string>());
  for (const span of spans) {
    counter.count++;
    for (let k = span.start; k < span.end; k++) {
      const [s, i] = origin[k];
      removed[s].set(i, k === span.start ? span.tag : "");
      // The whitespace that broke the value up goes with it.
      const next = origin[k + 1];
      if (k + 1 < span.end && next[0] === s) for (let gap = i + 1; gap < next[1]; gap++) removed[s].set(gap, "");
    }
  }
  return strings.map((text, s) => {
    if (removed[s].size === 0) return text;
    let out = "";
    for (let i = 0; i < text.length; i++) out += removed[s].get(i) ?? text[i];
    return out;
  });
}

/** The strings with every hidden form of a long vault value replaced, and how many were. */
export function advancedRedact(strings: readonly string[], matcher: SecretMatcher, options: AdvancedOptions): { strings: string[]; count: number } {
  const counter = { count: 0 };
  const whole = matcher.derive("whole", options.minSecretLength);
  if (whole.size === 0) return { strings: [...strings], count: 0 };
  let out = [...strings];
  if (options.base64) out = out.map((text) => redactBase64(text, whole, counter));
  if (options.split) out = redactSplit(out, whole, counter);
  if (options.prefix) {
    const prefixes = matcher.derive("prefix", options.minSecretLength);
    out = out.map((text) => redactPrefixes(text, prefixes, whole, counter));
  }
  return { strings: out, count: counter.count };
}
