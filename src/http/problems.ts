/**
 * RFC 7807 problem details, and the one table that maps domain errors to HTTP: by category
 * (commands/errors.ts), so a new domain error needs no row here and no branch in a route.
 */
import { STATUS_CODES } from "node:http";
import { ProblemSchema, type Problem } from "../api/problem.js";
import {
  Conflict, DomainError, Forbidden, Gone, Invalid, NotFound, PaymentRequired, RateLimited, ResourceLimit,
  Unauthenticated, Unavailable,
} from "../../commands/errors.js";

export { ProblemSchema, type Problem };

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** An error that already knows its HTTP answer; thrown by the HTTP layer itself (400, 401, 413, 415, ...). */
export class HttpProblem extends Error {
  readonly status: number;
  readonly detail: string;
  readonly headers: Record<string, string>;
  constructor(status: number, detail: string, headers: Record<string, string> = {}) {
    super(detail);
    this.name = "HttpProblem";
    this.status = status;
    this.detail = detail;
    this.headers = headers;
  }
}

type Category = abstract new (...args: never[]) => DomainError;

/** RFC 7235: a 401 names the scheme that would be accepted. */
const BEARER_CHALLENGE = { "WWW-Authenticate": "Bearer" };

const STATUS_BY_CATEGORY: ReadonlyArray<readonly [Category, number]> = [
  [Invalid, 400],
  [Unauthenticated, 401],
  [PaymentRequired, 402],
  [Forbidden, 403],
  [NotFound, 404],
  [Conflict, 409],
  [ResourceLimit, 403],
  [Gone, 410],
  [RateLimited, 429],
  [Unavailable, 503],
];

function headersFor(error: DomainError, status: number): Record<string, string> {
  if (error instanceof RateLimited) return { "Retry-After": String(error.retryAfterSeconds) };
  if (status === 401) return BEARER_CHALLENGE;
  return {};
}

export function problem(status: number, detail: string): Problem {
  return { type: "about:blank", title: STATUS_CODES[status] ?? "Error", status, detail };
}

export interface ProblemAnswer {
  problem: Problem;
  headers: Record<string, string>;
  /** A server-side failure the operator should see in the logs. */
  serverFault: boolean;
}

/** The HTTP answer for anything a handler threw. Unknown errors become a generic 500. */
export function problemFor(error: unknown): ProblemAnswer {
  if (error instanceof HttpProblem) {
    return { problem: problem(error.status, error.detail), headers: error.headers, serverFault: error.status >= 500 };
  }
  const status = error instanceof DomainError ? STATUS_BY_CATEGORY.find(([category]) => error instanceof category)?.[1] : undefined;
  if (status !== undefined && error instanceof DomainError) {
    const answer = problem(status, error.detail);
    // 1claw's tier limits: a 403 of their own type, so clients tell "upgrade" from "no permission".
    if (error instanceof ResourceLimit) Object.assign(answer, { type: "resource_limit_exceeded", title: "Resource Limit Exceeded" });
    // A 402 also carries what to pay and how (x402's fields), beside the problem's own.
    if (error instanceof PaymentRequired) Object.assign(answer, error.extensions, { type: answer.type, status, detail: answer.detail });
    // Errors of OAuth endpoints (the device login's token poll) also carry the code OAuth clients read (RFC 6749 §5.2).
    if ("oauthError" in error && typeof error.oauthError === "string") answer.error = error.oauthError;
    return { problem: answer, headers: headersFor(error, status), serverFault: status >= 500 };
  }
  return { problem: problem(500, "an unexpected error occurred"), headers: {}, serverFault: true };
}
