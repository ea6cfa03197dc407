/**
 * The usage meter on the HTTP path: after authentication, every request gets the quota headers; non-free
 * ones are counted (when answered) and, over the quota, paid for or refused with 402. Registered in app.ts
 * with one line; all the work is in src/billing/usage-meter.ts, in memory.
 */
import type { Context } from "koa";
import type { Principal } from "../auth/principal.js";
import { QuotaExhausted, type UsageMeter } from "../billing/usage-meter.js";
import type { Route } from "./route.js";

/** What app.ts calls once the caller is known; answers what to run once the handler has answered. */
export type MeterUsage = (ctx: Context, route: Route, principal: Principal) => Promise<((status: number) => Promise<void>) | undefined>;

/** Seed 002: "Audit, org, security, chain, billing, and auth endpoints are free and never consume quota." */
const FREE_PREFIXES = ["/v1/audit", "/v1/org/", "/v1/security/", "/v1/chains", "/v1/billing/", "/v1/auth/", "/v1/admin/",
  "/v1/health", "/.well-known/"];

export function isFreeRoute(path: string): boolean {
  return FREE_PREFIXES.some((prefix) => path === prefix.replace(/\/$/, "") || path.startsWith(prefix));
}

/** The x402 prices of the reference spec's paid operations (micro-USD = USDC atomic units); others pay the tier's rate. */
const X402_PRICES: Record<string, number> = {
  "PUT /v1/vaults/{vault_id}/secrets/{path+}": 7_500,
  "GET /v1/vaults/{vault_id}/secrets/{path+}": 1_500,
  "POST /v1/secrets/{secret_id}/share": 3_000,
  "GET /v1/share/{share_id}": 1_500,
  "GET /v1/audit/events": 800,
};

export function meterUsage(meter: UsageMeter, publicUrl: string | undefined): MeterUsage {
  return async (ctx, route, principal) => {
    let admission;
    try {
      admission = await meter.admit({
        principal, method: ctx.method, endpoint: route.path, resource: `${publicUrl ?? `${ctx.protocol}://${ctx.host}`}${ctx.originalUrl}`,
        free: isFreeRoute(route.path), x402PriceMicroUsd: X402_PRICES[`${route.method} ${route.path}`],
        payment: ctx.get("X-PAYMENT") || undefined,
      });
    } catch (error) {
      if (error instanceof QuotaExhausted) ctx.set(error.headers);
      throw error;
    }
    ctx.set(admission.headers);
    const { record, settle } = admission;
    ctx.res.once("close", () => record(ctx.res.statusCode));
    return settle;
  };
}
