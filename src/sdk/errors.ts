/**
 * An HTTP error answer -> the SDK's `ApiError`: one table from status (and the body's `type` where the
 * status alone is ambiguous) to the error kinds of the 1claw SDK, plus `gone`, `payload_too_large` and
 * `method_not_allowed`, which Keyledger answers and agents must treat differently.
 */
import type { ApiError, ApiErrorType, PaymentRequirement } from "./types.js";

const BY_STATUS: Record<number, ApiErrorType> = {
  400: "validation_error",
  401: "auth_error",
  402: "payment_required",
  403: "auth_error",
  404: "not_found",
  405: "method_not_allowed",
  409: "conflict",
  410: "gone",
  413: "payload_too_large",
  422: "validation_error",
  429: "rate_limit",
};

/** 403 bodies whose `type` says more than "forbidden". */
const FORBIDDEN_TYPES: ReadonlySet<string> = new Set(["resource_limit_exceeded", "approval_required"]);

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

/** Retry-After is delta-seconds or an HTTP date; either way, seconds from now (never negative). */
export function retryAfterSeconds(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

export function apiErrorFrom(status: number, headers: Pick<Headers, "get">, body: unknown): ApiError {
  const fields = (body && typeof body === "object" ? body : {}) as Record<string, unknown>;
  const detail = text(fields.detail);
  const message = detail ?? text(fields.message) ?? text(fields.error) ?? text(body) ?? `HTTP ${status}`;
  const bodyType = text(fields.type);
  let type: ApiErrorType = BY_STATUS[status] ?? (status >= 500 ? "server_error" : "unknown");
  if (status === 403 && bodyType && FORBIDDEN_TYPES.has(bodyType)) type = bodyType as ApiErrorType;
  const error: ApiError = { type, message };
  if (detail) error.detail = detail;
  const oauthError = detail ? text(fields.error) : undefined;
  if (oauthError) error.code = oauthError;
  if (status === 429) {
    const wait = retryAfterSeconds(headers.get("Retry-After"));
    if (wait !== undefined) error.retry_after = wait;
  }
  if (status === 402) error.payment_requirement = fields as PaymentRequirement;
  return error;
}

/** No answer at all: DNS, refused connection, reset, timeout. */
export function networkError(cause: unknown): ApiError {
  const reason = cause instanceof Error ? (cause.cause instanceof Error ? cause.cause.message : cause.message) : String(cause);
  return { type: "network_error", message: `the server did not answer: ${reason}` };
}
