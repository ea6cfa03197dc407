/** GET /v1/health and GET /v1/health/hsm, as in the 1claw reference. Public: load balancers call them. */
import { z } from "zod";
import type { KeyProvider, KeyProviderHealth } from "../../keys/port.js";
import { defineRoute, type Route } from "../route.js";
import { version } from "../../version.js";

export const HealthResponse = z.object({
  status: z.enum(["ok", "degraded"]),
  service: z.literal("keyledger"),
  version: z.string(),
});

export const HsmHealthResponse = z.object({
  status: z.enum(["ok", "degraded", "unavailable"]),
  hsm_provider: z.enum(["pkcs11", "local"]),
  connected: z.boolean(),
  description: z.string(),
});

export interface HealthDependencies {
  keys: Pick<KeyProvider, "kind" | "health">;
  /** A key provider that has not answered by then counts as unavailable. */
  timeoutMs?: number;
}

type HsmStatus = z.infer<typeof HsmHealthResponse>["status"];

/**
 * ok: the provider answers and is connected. degraded: it answers but reports no connection (e.g. a
 * lost HSM session being re-established). unavailable: it throws or does not answer in time.
 */
async function probe(keys: HealthDependencies["keys"], timeoutMs: number): Promise<KeyProviderHealth & { status: HsmStatus }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("key provider health timed out")), timeoutMs);
  });
  try {
    const health = await Promise.race([keys.health(), timeout]);
    return { ...health, status: health.connected ? "ok" : "degraded" };
  } catch {
    return { connected: false, description: "the key provider did not answer", status: "unavailable" };
  } finally {
    clearTimeout(timer);
  }
}

export function healthRoutes({ keys, timeoutMs = 2000 }: HealthDependencies): Route[] {
  return [
    defineRoute({
      method: "GET",
      path: "/v1/health",
      summary: "Service health check",
      operationId: "healthCheck",
      tags: ["Health"],
      auth: "none",
      responses: { 200: HealthResponse },
    }).handle(async () => {
      const hsm = await probe(keys, timeoutMs);
      const status = hsm.status === "ok" ? "ok" : "degraded";
      return { status: 200, body: { status, service: "keyledger", version } };
    }),
    defineRoute({
      method: "GET",
      path: "/v1/health/hsm",
      summary: "HSM connectivity check",
      operationId: "healthHsm",
      tags: ["Health"],
      auth: "none",
      responses: { 200: HsmHealthResponse },
    }).handle(async () => {
      const { status, connected, description } = await probe(keys, timeoutMs);
      return { status: 200, body: { status, hsm_provider: keys.kind, connected, description } };
    }),
  ];
}
