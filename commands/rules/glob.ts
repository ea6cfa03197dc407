/**
 * Secret path patterns of policies. A pattern is matched segment by segment (segments are separated by
 * `/`): `**` as a whole segment matches zero or more segments, `*` inside a segment matches any run of
 * characters within that one segment (`api-keys/*` matches `api-keys/stripe`, not `api-keys/a/b`;
 * `api-*` matches `api-keys`), everything else is literal. Matching is linear in practice and never
 * backtracks exponentially: a pattern is attacker-controlled input from the API.
 */

import { Invalid } from "../errors.js";
import { MAX_SECRET_PATH_LENGTH } from "./secret-path.js";

/** A pattern longer than any path could only match through wildcards; keep the same bound. */
export const MAX_PATTERN_LENGTH = MAX_SECRET_PATH_LENGTH;
const MAX_SEGMENT_STARS = 8;

export class InvalidPathPattern extends Invalid {
  constructor(reason: string) {
    super(`invalid secret_path_pattern: ${reason}`);
    this.name = "InvalidPathPattern";
  }
}

// As in secret paths (paths.ts): controls, format characters and line/paragraph separators never match a path.
const CONTROL_OR_FORMAT = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

/** Throws InvalidPathPattern unless the pattern is one `pathMatches` understands. */
export function validatePattern(pattern: string): void {
  if (pattern.length === 0) throw new InvalidPathPattern("it is empty");
  if (pattern.length > MAX_PATTERN_LENGTH) throw new InvalidPathPattern(`it is longer than ${MAX_PATTERN_LENGTH} characters`);
  if (CONTROL_OR_FORMAT.test(pattern)) throw new InvalidPathPattern("it contains control or format characters");
  if (pattern !== pattern.normalize("NFC")) throw new InvalidPathPattern("it is not in Unicode normal form C");
  for (const segment of pattern.split("/")) {
    if (segment === "") throw new InvalidPathPattern("it has an empty segment (leading, trailing or double '/')");
    if (segment === "." || segment === "..") throw new InvalidPathPattern("'.' and '..' segments are not allowed");
    if (segment !== "**" && segment.includes("**")) throw new InvalidPathPattern("'**' must be a whole segment");
    if (segment.split("*").length - 1 > MAX_SEGMENT_STARS) {
      throw new InvalidPathPattern(`a segment may hold at most ${MAX_SEGMENT_STARS} '*'`);
    }
  }
}

/** Does one pattern segment (literal text and single `*`s) match one path segment? */
function segmentMatches(pattern: string, segment: string): boolean {
  const parts = pattern.split("*");
  if (parts.length === 1) return pattern === segment;
  const first = parts[0];
  const last = parts[parts.length - 1];
  if (segment.length < first.length + last.length) return false;
  if (!segment.startsWith(first) || !segment.endsWith(last)) return false;
  // Greedy leftmost placement of the middle parts is exact for `*`-only globs.
  let at = first.length;
  const end = segment.length - last.length;
  for (const part of parts.slice(1, -1)) {
    const found = segment.indexOf(part, at);
    if (found < 0 || found + part.length > end) return false;
    at = found + part.length;
  }
  return true;
}

/**
 * Whether a secret path falls under a pattern. A malformed pattern matches nothing (patterns are
 * validated when a policy is written, so this only guards against data from elsewhere).
 */
export function pathMatches(pattern: string, path: string): boolean {
  try {
    validatePattern(pattern);
  } catch {
    return false;
  }
  const patternSegments = pattern.split("/");
  const pathSegments = path.split("/");
  // reachable[j]: the pattern's first i segments can match the path's first j segments.
  let reachable = new Array<boolean>(pathSegments.length + 1).fill(false);
  reachable[0] = true;
  for (const patternSegment of patternSegments) {
    const next = new Array<boolean>(pathSegments.length + 1).fill(false);
    if (patternSegment === "**") {
      let any = false;
      for (let j = 0; j <= pathSegments.length; j++) {
        any = any || reachable[j];
        next[j] = any;
      }
    } else {
      for (let j = 1; j <= pathSegments.length; j++) {
        next[j] = reachable[j - 1] && segmentMatches(patternSegment, pathSegments[j - 1]);
      }
    }
    reachable = next;
  }
  return reachable[pathSegments.length];
}
