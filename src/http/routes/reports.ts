/**
 * Reports (beyond 1claw) for an organisation's owners and admins: secrets per vault and type, secrets not
 * rotated in N days, secrets expiring within N days, and reads per reader per day. Never a value.
 */
import { z } from "zod";
import type { Services } from "../../app/services.js";
import { requireRole } from "../../auth/guards.js";
import {
  readsPerDay, secretsExpiringBetween, secretsNotRotatedSince, secretsPerVaultAndType, type InventoryEntry,
} from "../../reports/queries.js";
import { HttpProblem } from "../problems.js";
import { defineRoute, type Route } from "../route.js";

const DAY_MS = 24 * 3600 * 1000;
const ADMINS = ["owner", "admin"] as const;

const InventoryItem = z.object({
  vault_id: z.uuid(),
  secret_id: z.uuid(),
  path: z.string(),
  type: z.string(),
  version: z.number().int(),
  last_rotated_at: z.string().describe("when the value last changed (put or rotate)"),
  expires_at: z.string().nullable(),
}).meta({ id: "SecretInventoryItem" });

const toItem = (entry: InventoryEntry): z.input<typeof InventoryItem> => ({
  vault_id: entry.vaultId, secret_id: entry.secretId, path: entry.path, type: entry.type, version: entry.version,
  last_rotated_at: entry.valueChangedAt.toISOString(), expires_at: entry.expiresAt?.toISOString() ?? null,
});

const days = (fallback: number) => z.coerce.number().int().min(0).max(36_500).default(fallback);
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date YYYY-MM-DD")
  .refine((text) => !Number.isNaN(Date.parse(`${text}T00:00:00Z`)) && new Date(`${text}T00:00:00Z`).toISOString().startsWith(text),
    "must be a real date");

export function reportRoutes(services: Pick<Services, "db" | "clock">): Route[] {
  const { db, clock } = services;
  return [
    defineRoute({
      method: "GET",
      path: "/v1/reports/secrets-by-type",
      summary: "Secrets per vault and type",
      operationId: "reportSecretsByType",
      tags: ["Reports"],
      auth: "required",
      responses: { 200: z.object({ counts: z.array(z.object({ vault_id: z.uuid(), type: z.string(), count: z.number().int() })) })
        .meta({ id: "SecretsByTypeReport" }) },
    }).handle(async ({ principal }) => {
      const user = requireRole(principal, ...ADMINS);
      const counts = await secretsPerVaultAndType(db, user.orgId);
      return { status: 200, body: { counts: counts.map((c) => ({ vault_id: c.vaultId, type: c.type, count: c.count })) } };
    }),

    defineRoute({
      method: "GET",
      path: "/v1/reports/stale-secrets",
      summary: "Secrets not rotated in N days",
      operationId: "reportStaleSecrets",
      tags: ["Reports"],
      auth: "required",
      request: { query: z.object({ days: days(90) }) },
      responses: { 200: z.object({ days: z.number().int(), secrets: z.array(InventoryItem) }).meta({ id: "StaleSecretsReport" }) },
    }).handle(async ({ query, principal }) => {
      const user = requireRole(principal, ...ADMINS);
      const secrets = await secretsNotRotatedSince(db, user.orgId, new Date(clock().getTime() - query.days * DAY_MS));
      return { status: 200, body: { days: query.days, secrets: secrets.map(toItem) } };
    }),

    defineRoute({
      method: "GET",
      path: "/v1/reports/expiring-secrets",
      summary: "Secrets expiring within N days",
      operationId: "reportExpiringSecrets",
      tags: ["Reports"],
      auth: "required",
      request: { query: z.object({ days: days(30) }) },
      responses: { 200: z.object({ days: z.number().int(), secrets: z.array(InventoryItem) }).meta({ id: "ExpiringSecretsReport" }) },
    }).handle(async ({ query, principal }) => {
      const user = requireRole(principal, ...ADMINS);
      const now = clock();
      const secrets = await secretsExpiringBetween(db, user.orgId, now, new Date(now.getTime() + query.days * DAY_MS));
      return { status: 200, body: { days: query.days, secrets: secrets.map(toItem) } };
    }),

    defineRoute({
      method: "GET",
      path: "/v1/reports/reads-per-day",
      summary: "Secret reads per reader per day",
      description: "Values given to each agent (or user) per UTC day, for days from `from` to `to` inclusive " +
        "(default: the last 30 days); `reader_type=agent` for agents only.",
      operationId: "reportReadsPerDay",
      tags: ["Reports"],
      auth: "required",
      request: { query: z.object({ from: day.optional(), to: day.optional(), reader_type: z.enum(["user", "agent"]).optional() }) },
      responses: { 200: z.object({ from: z.string(), to: z.string(), rows: z.array(z.object({
        reader_type: z.enum(["user", "agent"]), reader_id: z.uuid(), day: z.string(), reads: z.number().int(),
      })) }).meta({ id: "ReadsPerDayReport" }) },
    }).handle(async ({ query, principal }) => {
      const user = requireRole(principal, ...ADMINS);
      const to = query.to ?? clock().toISOString().slice(0, 10);
      const from = query.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - 29 * DAY_MS).toISOString().slice(0, 10);
      if (from > to) throw new HttpProblem(400, "from must not be after to");
      const rows = await readsPerDay(db, user.orgId, { from, to, readerType: query.reader_type });
      return { status: 200, body: { from, to, rows: rows.map((r) => ({
        reader_type: r.readerType, reader_id: r.readerId, day: r.day, reads: r.reads,
      })) } };
    }),
  ];
}
