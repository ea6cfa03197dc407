/** GET /v1/health and GET /v1/health/hsm, as in the 1claw reference. Public: load balancers call them. */
import { z } from "zod";
import type { KeyProvider, KeyProviderHealth } from "../../keys/port.js";
import { defineRoute, type Route } from "../route.js";
import { version } from "../../version.js";

export const HealthResponse = z.object({
  status: z.enum(["ok", "degraded", "unavailable"]),
  service: z.literal("keyledger"),
  version: z.string(),
  /** Keyledger: whether the database (events and read models) answers. */
  database: z.enum(["ok", "unavailable"]).optional(),
  /** Keyledger: read models that cannot apply an event, with its id (the server is degraded while they are stuck). */
  projections_failing: z.array(z.object({ projection: z.string(), event_id: z.string() })).optional(),
});

export const HsmHealthResponse = z.object({
  status: z.enum(["ok", "degraded", "unavailable"]),
  hsm_provider: z.enum(["pkcs11", "local"]),
  connected: z.boolean(),
  description: z.string(),
});

export interface HealthDependencies {
  keys: Pick<KeyProvider, "kind" | "health">;
  /** Without it the database is not reported (tests of the key provider alone). */
  database?: { available(): boolean };
  /** The projection runner: read models failing on an event make the service degraded. */
  projections?: { failing(): Array<{ projection: string; eventId: string }> };
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

/**
 * How long GET /v1/health reuses one key provider probe. Load balancers poll it, often from many places at
 * once: one probe a second answers them all (an HSM library call can cost more than the rest of the request).
 * GET /v1/health/hsm always probes.
 */
const SHARED_PROBE_MS = 1000;

export function healthRoutes({ keys, database, projections, timeoutMs = 2000 }: HealthDependencies): Route[] {
  let shared: { at: number; probe: ReturnType<typeof probe> } | undefined;
  const sharedProbe = () => {
    const now = performance.now();
    if (!shared || now - shared.at > SHARED_PROBE_MS) shared = { at: now, probe: probe(keys, timeoutMs) };
    return shared.probe;
  };
  return [
    defineRoute({
      method: "GET",
      path: "/v1/health",
      summary: "Service health check",
      operationId: "healthCheck",
      tags: ["Health"],
      auth: "none",
      responses: { 200: HealthResponse, 503: HealthResponse },
    }).handle(async () => {
      const service = "keyledger" as const;
      // Without its database the node can serve nothing: 503, so that a load balancer takes it out.
      if (database && !database.available()) {
        return { status: 503, body: { status: "unavailable", service, version, database: "unavailable" } };
      }
      const hsm = await sharedProbe();
      const failing = projections?.failing() ?? [];
      const status = hsm.status === "ok" && failing.length === 0 ? "ok" : "degraded";
      return { status: 200, body: { status, service, version, ...(database && { database: "ok" as const }),
        ...(failing.length > 0 && { projections_failing: failing.map((f) => ({ projection: f.projection, event_id: f.eventId })) }) } };
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
