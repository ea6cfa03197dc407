/**
 * Rules every request obeys before any route schema sees it (docs/limits.md), checked once for all routes,
 * authenticated or not:
 *
 * - the request target is ASCII, its percent-escapes are well formed and decode to valid UTF-8;
 * - no string anywhere (path parameters, query, JSON body, object keys) holds what PostgreSQL cannot store:
 *   U+0000 or a lone UTF-16 surrogate;
 * - path parameters and query values hold no control or format characters (C0/C1 controls, zero-width and
 *   bidirectional marks, line/paragraph separators) and are normalised to NFC, so one name is one name;
 * - a JSON body nests at most MAX_JSON_DEPTH levels.
 *
 * - no string in a JSON body is longer than MAX_JSON_STRING_LENGTH; free-form fields have their own byte
 *   limits (withinJsonBytes).
 *
 * A request that breaks a rule is a 400 and reaches no handler, so nothing can be stored that a read
 * model or a log could not hold.
 */

import type { z } from "zod";

/** Deepest nesting of arrays and objects a JSON body may have (the request's top level is depth 1). */
export const MAX_JSON_DEPTH = 32;

// U+0000 (PostgreSQL text and jsonb refuse it) and surrogates not part of a pair (not valid Unicode, so not UTF-8).
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
// Cc: controls; Cf: format (zero-width, bidi marks and overrides, BOM, ...); Zl/Zp: line/paragraph separators.
const CONTROL_OR_FORMAT = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
// An escape is `%` and two hex digits; anything else after a `%` is malformed.
const BAD_ESCAPE = /%(?![0-9A-Fa-f]{2})/;
// Printable ASCII: raw bytes outside it must arrive percent-encoded (RFC 3986).
const NOT_URL_CHARACTER = /[^\x21-\x7e]/;

/** Why a string cannot be stored, or undefined when it can. */
export function unstorable(text: string): string | undefined {
  const found = UNSTORABLE.exec(text);
  if (!found) return undefined;
  return found[0] === "\u0000" ? "contains U+0000 (NUL)" : "contains a lone UTF-16 surrogate (not valid Unicode)";
}

/** Why a name-like string (a path segment, a query value) is refused, or undefined when it is acceptable. */
export function unacceptableName(text: string): string | undefined {
  return unstorable(text) ?? (CONTROL_OR_FORMAT.test(text) ? "contains control or format characters" : undefined);
}

/**
 * Why the raw request target (path and query, as sent) is malformed, or undefined. Checked before routing,
 * because the router decodes each parameter on its own and keeps a malformed one literally.
 */
export function malformedTarget(rawUrl: string): string | undefined {
  if (NOT_URL_CHARACTER.test(rawUrl)) return "the URL must be ASCII; other characters must be percent-encoded";
  if (BAD_ESCAPE.test(rawUrl)) return "the URL holds a malformed percent-escape";
  try {
    // `+` is a space in a query; it cannot make UTF-8 invalid, so decoding the whole target checks both parts.
    decodeURIComponent(rawUrl);
  } catch {
    return "the URL's percent-escapes do not decode to valid UTF-8";
  }
  return undefined;
}

/**
 * The path parameters or query values, NFC-normalised, with the problems found (named `where.key`). Values
 * are strings or arrays of strings (repeated query keys).
 */
export function checkNames(where: string, values: Record<string, unknown>): { values: Record<string, unknown>; issues: string[] } {
  const issues: string[] = [];
  const out: Record<string, unknown> = {};
  const one = (key: string, value: string): string => {
    const reason = unacceptableName(key) ?? unacceptableName(value);
    if (reason) issues.push(`${where}.${printable(key)}: ${reason}`);
    return value.normalize("NFC");
  };
  for (const [key, value] of Object.entries(values)) {
    if (typeof value === "string") out[key.normalize("NFC")] = one(key, value);
    else if (Array.isArray(value)) out[key.normalize("NFC")] = value.map((v) => (typeof v === "string" ? one(key, v) : v));
    else out[key] = value;
  }
  return { values: out, issues };
}

/**
 * Problems of a parsed JSON body: too deep, or holding an unstorable string (as a value or a key). Walks
 * without recursion, so a hostile depth cannot overflow the stack here; stops at the first problem of each
 * kind.
 */
export function checkJson(where: string, body: unknown): string[] {
  const issues: string[] = [];
  let tooDeep = false;
  let badString = false;
  const stack: Array<{ value: unknown; depth: number; path: string }> = [{ value: body, depth: 0, path: where }];
  while (stack.length > 0 && !(tooDeep && badString)) {
    const { value, depth, path } = stack.pop()!;
    if (typeof value === "string") {
      const reason = badString ? undefined
        : value.length > MAX_JSON_STRING_LENGTH ? `longer than ${MAX_JSON_STRING_LENGTH} characters` : unstorable(value);
      if (reason) {
        badString = true;
        issues.push(`${path}: ${reason}`);
      }
      continue;
    }
    if (value === null || typeof value !== "object") continue;
    if (depth + 1 > MAX_JSON_DEPTH) {
      if (!tooDeep) issues.push(`${where}: nested deeper than ${MAX_JSON_DEPTH} levels`);
      tooDeep = true;
      continue;
    }
    for (const [key, child] of Object.entries(value)) {
      const reason = badString ? undefined : unstorable(key);
      if (reason) {
        badString = true;
        issues.push(`${path}: a key ${reason}`);
      }
      stack.push({ value: child, depth: depth + 1, path: `${path}.${printable(key)}` });
    }
  }
  return issues;
}

/** A key as it may appear in a problem's detail: short, and without the characters being refused. */
function printable(key: string): string {
  const safe = key.replace(/[^\x20-\x7e]/g, "?");
  return safe.length > 40 ? `${safe.slice(0, 40)}...` : safe;
}

/** Longest string a JSON body may hold anywhere (the largest field, a secret's value, is 256 Ki characters). */
export const MAX_JSON_STRING_LENGTH = 256 * 1024;

/** Free-form JSON fields (a secret's `metadata`, a policy's `conditions`): their size as compact JSON, in bytes. */
export const MAX_METADATA_BYTES = 16 * 1024;
export const MAX_CONDITIONS_BYTES = 16 * 1024;

/** The schema, refusing values whose compact JSON is longer than maxBytes (UTF-8). */
export function withinJsonBytes<T extends z.ZodType>(schema: T, maxBytes: number): T {
  return schema.refine((value) => Buffer.byteLength(JSON.stringify(value) ?? "", "utf8") <= maxBytes,
    { message: `must be at most ${maxBytes} bytes as JSON` }) as T;
}
