/**
 * The categories every domain error belongs to. A rule throws a specific error (`SecretGone`, `AccessDenied`)
 * that extends one of these; the HTTP layer maps the category (src/http/problems.ts), so a new error needs no
 * new mapping and nothing below the HTTP layer knows status codes.
 */
export abstract class DomainError extends Error {
  /** What the caller may be told; defaults to the message (set it when the message holds internals). */
  readonly detail: string;
  constructor(message: string, options: { detail?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.detail = options.detail ?? message;
  }
}

/** The request itself is malformed or breaks a rule about its content. */
export abstract class Invalid extends DomainError {}
/** The caller could not be identified: missing, wrong or expired credentials. */
export abstract class Unauthenticated extends DomainError {}
/** The caller is known but may not do this. */
export abstract class Forbidden extends DomainError {}
/** The thing does not exist (or the caller may not know that it does). */
export abstract class NotFound extends DomainError {}
/** The request contradicts the current state (already exists, changed meanwhile, last owner, ...). */
export abstract class Conflict extends DomainError {}
/** The thing existed and never will be usable again (deleted, expired, exhausted). */
export abstract class Gone extends DomainError {}
/** The organisation's tier allows no more of a resource (vaults, secrets, agents): upgrading is the way out. */
export abstract class ResourceLimit extends DomainError {}
/** The operation is paid and the caller has no means to pay. */
export abstract class PaymentRequired extends DomainError {
  /** Fields the answer carries besides the problem's own (the x402 payment requirement, `required_usd`, ...). */
  extensions: Record<string, unknown> = {};
}
/** Too many attempts in a time window; try again after `retryAfterSeconds`. */
export abstract class RateLimited extends DomainError {
  constructor(message: string, readonly retryAfterSeconds: number, options: { detail?: string; cause?: unknown } = {}) {
    super(message, options);
  }
}
/** A part we depend on is not answering; nothing was done and a retry may succeed. */
export abstract class Unavailable extends DomainError {}
