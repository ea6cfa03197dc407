/**
 * How the client commands fail: one line on stderr and an exit code a script can branch on. The codes:
 * 2 usage (wrong arguments, nothing configured), 3 not found, 4 denied (not signed in, or not allowed),
 * 5 unavailable (no answer, 503, rate limited), 1 anything else.
 */
import type { ApiError } from "../../sdk/types.js";

export const EXIT = { failure: 1, usage: 2, notFound: 3, denied: 4, unavailable: 5 } as const;

export class CliError extends Error {
  constructor(message: string, readonly exitCode: number = EXIT.failure) {
    super(message);
    this.name = "CliError";
  }
}

export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT.usage);
    this.name = "UsageError";
  }
}

function exitCodeOf(error: ApiError, status: number): number {
  switch (error.type) {
    case "not_found": case "gone": return EXIT.notFound;
    case "auth_error": return EXIT.denied;
    case "network_error": case "rate_limit": return EXIT.unavailable;
    default: return status === 503 || status === 502 || status === 504 ? EXIT.unavailable : EXIT.failure;
  }
}

/** An SDK error answer as the CLI reports it: the API's `detail`, and a hint where one helps. */
export function apiFailure(error: ApiError, status: number): CliError {
  const hint = status === 401 ? " (run `keyledger login`)" : "";
  const where = status > 0 ? `API error (${status}): ` : "";
  return new CliError(`${where}${error.message}${hint}`, exitCodeOf(error, status));
}
