/**
 * Which routes the auth rate limit covers: every `POST /v1/auth/*` (logins, signups, token exchanges, MFA
 * codes: the guessable ones) and the public `POST /v1/agents/enroll`, one bucket per client address across
 * all of them, so that spreading guesses over several auth routes gains nothing.
 */
import type { RateLimitCheck } from "./app.js";
import type { Route } from "./route.js";
import { clientKey, type RateLimiter } from "../rate-limit/rate-limiter.js";

export function isAuthRoute(route: Pick<Route, "method" | "path">): boolean {
  return route.method === "POST" && (route.path.startsWith("/v1/auth/") || route.path === "/v1/agents/enroll");
}

export function authRateLimit(limiter: RateLimiter): (route: Route) => RateLimitCheck | undefined {
  const check: RateLimitCheck = async (clientIp) => {
    const verdict = await limiter.take(clientKey(clientIp));
    return verdict.allowed ? undefined : { retryAfterSeconds: verdict.retryAfterSeconds };
  };
  return (route) => (isAuthRoute(route) ? check : undefined);
}
