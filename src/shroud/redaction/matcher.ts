/**
 * The redaction matcher: every secret value an agent may read, found in one pass over a text (Aho–Corasick
 * over UTF-16 code units), each replaced by `[REDACTED:#<first 8 hex of SHA-256 of its path>]`: the tag says
 * that a vault secret was there and lets a human find which, without showing the path to the model.
 * Overlapping occurrences are merged into one redacted span, so no part of any of them survives.
 */
import { createHash } from "node:crypto";

export interface RedactionEntry {
  value: string;
  /** The secret's path, hashed into the tag (never shown). */
  path: string;
}

/** A value with its tag already made (the derived matchers of advanced redaction). */
interface TaggedValue {
  value: string;
  tag: string;
}

export interface Span {
  start: number;
  end: number;
  tag: string;
}

export function redactionTag(path: string): string {
  return `[REDACTED:#${createHash("sha256").update(path, "utf8").digest("hex").slice(0, 8)}]`;
}

interface Node {
  next: Map<number, number>;
  fail: number;
  /** Patterns ending here (directly or through fail links), as indexes. */
  outputs: number[];
}

export class SecretMatcher {
  private readonly nodes: Node[] = [{ next: new Map(), fail: 0, outputs: [] }];
  private readonly lengths: number[] = [];
  private readonly tags: string[] = [];
  /** Length of the longest value: how much of a stream must be held back so no value is split unseen. */
  readonly maxLength: number;
  readonly size: number;
  private readonly unique = new Map<string, string>();
  private readonly derived = new Map<string, SecretMatcher>();

  constructor(entries: readonly (RedactionEntry | TaggedValue)[]) {
    for (const entry of entries) {
      if (entry.value !== "" && !this.unique.has(entry.value)) this.unique.set(entry.value, "tag" in entry ? entry.tag : redactionTag(entry.path));
    }
    for (const [value, tag] of this.unique) this.add(value, tag);
    this.maxLength = Math.max(0, ...this.lengths);
    this.size = this.unique.size;
    this.link();
  }

  /**
   * For advanced redaction, built once per matcher: the values at least `min` long (`whole`), or the first
   * half of each (at least 8 characters) to find a value's beginning leaked on its own (`prefix`).
   */
  derive(kind: "whole" | "prefix", min: number): SecretMatcher {
    const key = `${kind} ${min}`;
    let matcher = this.derived.get(key);
    if (!matcher) {
      const long = [...this.unique].filter(([value]) => value.length >= min);
      matcher = new SecretMatcher(long.map(([value, tag]) =>
        ({ value: kind === "whole" ? value : value.slice(0, Math.max(8, Math.ceil(value.length / 2))), tag })));
      this.derived.set(key, matcher);
    }
    return matcher;
  }

  /** The (longest) value carrying a tag: where a leaked prefix would continue. */
  valueTagged(tag: string): string | undefined {
    let found: string | undefined;
    for (const [value, t] of this.unique) if (t === tag && (!found || value.length > found.length)) found = value;
    return found;
  }

  private add(value: string, tag: string): void {
    let state = 0;
    for (let i = 0; i < value.length; i++) {
      const code = value.charCodeAt(i);
      let next = this.nodes[state].next.get(code);
      if (next === undefined) {
        next = this.nodes.push({ next: new Map(), fail: 0, outputs: [] }) - 1;
        this.nodes[state].next.set(code, next);
      }
      state = next;
    }
    this.nodes[state].outputs.push(this.lengths.length);
    this.lengths.push(value.length);
    this.tags.push(tag);
  }

  private link(): void {
    const queue: number[] = [];
    for (const child of this.nodes[0].next.values()) queue.push(child);
    while (queue.length > 0) {
      const current = queue.shift()!;
      for (const [code, child] of this.nodes[current].next) {
        let fail = this.nodes[current].fail;
        while (fail !== 0 && !this.nodes[fail].next.has(code)) fail = this.nodes[fail].fail;
        const target = this.nodes[fail].next.get(code);
        this.nodes[child].fail = target !== undefined && target !== child ? target : 0;
        this.nodes[child].outputs.push(...this.nodes[this.nodes[child].fail].outputs);
        queue.push(child);
      }
    }
  }

  /** Every occurrence, merged where they overlap, leftmost first; a merged span takes its first value's tag. */
  spans(text: string): Span[] {
    if (this.size === 0) return [];
    const found: Span[] = [];
    let state = 0;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      while (state !== 0 && !this.nodes[state].next.has(code)) state = this.nodes[state].fail;
      state = this.nodes[state].next.get(code) ?? 0;
      for (const index of this.nodes[state].outputs) {
        found.push({ start: i + 1 - this.lengths[index], end: i + 1, tag: this.tags[index] });
      }
    }
    found.sort((a, b) => a.start - b.start || b.end - a.end);
    const merged: Span[] = [];
    for (const span of found) {
      const last = merged[merged.length - 1];
      if (last && span.start < last.end) last.end = Math.max(last.end, span.end);
      else merged.push({ ...span });
    }
    return merged;
  }

  /** The text with every occurrence replaced by its tag, and how many were. */
  redact(text: string): { text: string; count: number } {
    const spans = this.spans(text);
    if (spans.length === 0) return { text, count: 0 };
    return { text: replaceSpans(text, spans, text.length), count: spans.length };
  }
}

/** text[0, upTo) with the spans that lie in it replaced by their tags. */
export function replaceSpans(text: string, spans: readonly Span[], upTo: number): string {
  let out = "";
  let at = 0;
  for (const span of spans) {
    if (span.end > upTo) break;
    out += text.slice(at, span.start) + span.tag;
    at = span.end;
  }
  return out + text.slice(at, upTo);
}

/**
 * Redaction of a text that arrives in pieces (a streamed response): what is released never ends inside a
 * secret, and the held tail is shorter than the longest secret, so a value split across pieces, frames or
 * network reads is still found whole.
 */
export class RollingRedactor {
  private held = "";
  count = 0;

  constructor(private readonly matcher: SecretMatcher) {}

  push(piece: string): string {
    this.held += piece;
    const spans = this.matcher.spans(this.held);
    let cut = Math.max(0, this.held.length - Math.max(0, this.matcher.maxLength - 1));
    for (const span of spans) if (span.start < cut && span.end > cut) cut = span.end;
    const released = replaceSpans(this.held, spans, cut);
    this.count += spans.filter((span) => span.end <= cut).length;
    this.held = this.held.slice(cut);
    return released;
  }

  /** The rest, at the end of the stream. */
  flush(): string {
    const { text, count } = this.matcher.redact(this.held);
    this.count += count;
    this.held = "";
    return text;
  }

  get holding(): boolean {
    return this.held.length > 0;
  }
}
