/**
 * The dashboard's session cookie. The browser never sees its access token: the token lives in an httpOnly,
 * SameSite=Strict cookie (Secure, and `__Host-` named, when the public URL is https), and this middleware turns
 * the cookie into the `Authorization` header every route already understands, so the API has one way to
 * authenticate. State-changing requests must also carry `X-CSRF-Token`, a value derived from the session's
 * secret id (the token's `sid` claim, kept across refreshes so every open tab stays valid) that only a page of
 * our own origin can learn (from `GET /v1/auth/session`, which a cross-site page cannot read).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { Context, Middleware } from "koa";
import { HttpProblem } from "./problems.js";

export const CSRF_HEADER = "X-CSRF-Token";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export interface SessionCookieOptions {
  /** True when the public URL is https: the cookie is then Secure and `__Host-` prefixed. */
  secure: boolean;
}

export function sessionCookieName(options: SessionCookieOptions): string {
  // `__Host-` makes the browser refuse the cookie unless Secure, host-only and Path=/: no subdomain can plant one.
  return options.secure ? "__Host-kl_session" : "kl_session";
}

/** The Set-Cookie value that stores the token for maxAgeSeconds (0 clears it). */
export function sessionCookie(options: SessionCookieOptions, token: string, maxAgeSeconds: number): string {
  return [`${sessionCookieName(options)}=${token}`, "Path=/", `Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`,
    "HttpOnly", "SameSite=Strict", ...(options.secure ? ["Secure"] : [])].join("; ");
}

/**
 * The CSRF token of a session: a hash of its random id, which lives only inside the httpOnly cookie's token.
 * Stateless, the same for the session's whole life, and worthless without the cookie.
 */
export function csrfTokenFor(sessionId: string): string {
  return createHash("sha256").update("keyledger-dashboard-csrf\0").update(sessionId).digest("base64url");
}

/**
 * The `sid` claim of a session token, read without verifying it: the authenticator verifies the token itself
 * right after, and a forged token could not be planted in a victim's cookie anyway.
 */
export function sessionIdOf(token: string): string | undefined {
  try {
    const claims: unknown = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8"));
    const sid = (claims as { sid?: unknown } | null)?.sid;
    return typeof sid === "string" ? sid : undefined;
  } catch {
    return undefined;
  }
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const separator = part.indexOf("=");
    if (separator > 0 && part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim() || undefined;
  }
  return undefined;
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** A cross-site request names another origin; same-origin fetches name ours or (older browsers) none. */
function fromOtherOrigin(ctx: Context): boolean {
  const origin = ctx.get("Origin");
  if (!origin || origin === "null") return origin === "null";
  try {
    return new URL(origin).host !== ctx.host;
  } catch {
    return true;
  }
}

/**
 * For requests that carry no `Authorization` of their own: a session cookie becomes the bearer token. On a
 * state-changing request the cookie counts only with the matching CSRF header; without one the request goes on
 * unauthenticated (a stale cookie must not block signing in again), with a wrong one, or from another origin,
 * it is refused.
 */
export function sessionCookieAuth(options: SessionCookieOptions): Middleware {
  const name = sessionCookieName(options);
  return async (ctx, next) => {
    const token = ctx.headers.authorization ? undefined : cookieValue(ctx.get("Cookie"), name);
    if (token && ctx.path.startsWith("/v1/")) {
      if (SAFE_METHODS.has(ctx.method)) {
        ctx.request.headers.authorization = `Bearer ${token}`;
      } else {
        const csrf = ctx.get(CSRF_HEADER);
        if (csrf) {
          const sessionId = sessionIdOf(token);
          if (fromOtherOrigin(ctx) || !sessionId || !sameText(csrf, csrfTokenFor(sessionId))) {
            throw new HttpProblem(403, "the CSRF token is missing or wrong for this session; reload the page");
          }
          ctx.request.headers.authorization = `Bearer ${token}`;
        }
      }
    }
    await next();
  };
}
