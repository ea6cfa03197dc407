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

// Control characters (C0, DEL, C1): never part of a name, and they would corrupt logs and terminals.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** The path itself when it is a valid secret path (already percent-decoded), else InvalidSecretPath (a 400). */
export function parseSecretPath(path: string): string {
  if (path.length === 0) throw new InvalidSecretPath("empty");
  if (path.length > MAX_SECRET_PATH_LENGTH) throw new InvalidSecretPath(`longer than ${MAX_SECRET_PATH_LENGTH} characters`);
  if (CONTROL.test(path)) throw new InvalidSecretPath("control characters are not allowed");
  for (const segment of path.split("/")) {
    if (segment === "") throw new InvalidSecretPath("empty segment (leading, trailing or double '/')");
    if (segment === "." || segment === "..") throw new InvalidSecretPath("'.' and '..' segments are not allowed");
  }
  return path;
}
