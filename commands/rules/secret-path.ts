/**
 * Secret paths: names with several `/`-separated segments (`api-keys/stripe`, `config/prod/db`). Clients may
 * send them percent-encoded (`api-keys%2Fstripe`); the router decodes path parameters once, and every route
 * checks the decoded path here (decoding again would turn a literal `%41` into `A`), so a path that reaches
 * a decision is canonical and safe to use as a name.
 */
import { Invalid } from "../errors.js";

/** Longest path we accept, in characters (after decoding). */
export const MAX_SECRET_PATH_LENGTH = 512;

export class InvalidSecretPath extends Invalid {
  constructor(reason: string) {
    super(`invalid secret path: ${reason}`);
    this.name = "InvalidSecretPath";
  }
}

// Control characters (C0, DEL, C1) corrupt logs and terminals; format characters (zero-width, bidirectional
// marks and overrides) and line/paragraph separators make two different names look the same in a listing.
const CONTROL_OR_FORMAT = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
// A UTF-16 surrogate not part of a pair: not Unicode, not storable.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * The canonical form of a valid secret path (already percent-decoded): NFC-normalised, so composed and
 * decomposed spellings are one secret. Else InvalidSecretPath (a 400).
 */
export function parseSecretPath(raw: string): string {
  if (LONE_SURROGATE.test(raw)) throw new InvalidSecretPath("it is not valid Unicode");
  const path = raw.normalize("NFC");
  if (path.length === 0) throw new InvalidSecretPath("empty");
  if (path.length > MAX_SECRET_PATH_LENGTH) throw new InvalidSecretPath(`longer than ${MAX_SECRET_PATH_LENGTH} characters`);
  if (CONTROL_OR_FORMAT.test(path)) throw new InvalidSecretPath("control and format characters are not allowed");
  for (const segment of path.split("/")) {
    if (segment === "") throw new InvalidSecretPath("empty segment (leading, trailing or double '/')");
    if (segment === "." || segment === "..") throw new InvalidSecretPath("'.' and '..' segments are not allowed");
  }
  return path;
}
