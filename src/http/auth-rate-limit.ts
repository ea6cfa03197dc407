/**
 * Which routes the auth rate limit covers: every `POST /v1/auth/*` (logins, signups, token exchanges, MFA
 * codes: the guessable ones) and the public `POST /v1/agents/enroll`, one bucket per client address across
 * all of them, so that spreading guesses over several auth routes gains nothing.
 */
import type { RateLimitCheck } from "./app.js";
import type { Route } from "./route.js";
import { clientKey, type RateLimiter } from "../rate-limit/rate-limiter.js";

/**
 * Exchanges of an API key for a token. A valid key is 256 random bits, so it is not guessed: these routes
 * are held only to the failure limit, and an agent exchanging its valid key is never refused because others
 * at its address failed or exchanged a lot.
 */
const KEY_EXCHANGES = new Set(["/v1/auth/agent-token", "/v1/auth/api-key-token"]);

export function isAuthRoute(route: Pick<Route, "method" | "path">): boolean {
  return route.method === "POST" && !KEY_EXCHANGES.has(route.path)
    && (route.path.startsWith("/v1/auth/") || route.path === "/v1/agents/enroll");
}

function limitCheck(limiter: RateLimiter): RateLimitCheck {
  return async (clientIp) => {
    const verdict = await limiter.take(clientKey(clientIp));
    return verdict.allowed ? undefined : { retryAfterSeconds: verdict.retryAfterSeconds };
  };
}

export function authRateLimit(limiter: RateLimiter): (route: Route) => RateLimitCheck | undefined {
  const check = limitCheck(limiter);
  return (route) => (isAuthRoute(route) ? check : undefined);
}

/**
 * Failed authentications of any kind (a wrong bearer key or token on any route, a refused login, exchange or
 * code), one bucket per client address: once it is empty, failures are answered 429 instead of 401.
 */
export function authFailureLimit(limiter: RateLimiter): RateLimitCheck {
  return limitCheck(limiter);
}
