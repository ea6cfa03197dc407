/** Wire schemas of `/v1/audit`. */
import { z } from "zod";

const instant = z.iso.datetime({ offset: true }).transform((text) => new Date(text));

export const AuditEventsQuery = z.object({
  resource_id: z.string().max(256).optional(),
  actor_id: z.string().max(256).optional(),
  action: z.string().max(128).optional(),
  from: instant.optional(),
  to: instant.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

/** `GET /v1/audit`, as the 1claw CLI calls it: a vault filter, a limit, and a bare array in return. */
export const AuditListQuery = z.object({
  vault_id: z.string().max(64).optional(),
  action: z.string().max(128).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(25),
});

export const AuditVerifyQuery = z.object({
  from: instant.optional(),
  to: instant.optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
});

export const AuditEventResponse = z.object({
  id: z.uuid(),
  action: z.string(),
  actor_id: z.string().nullable(),
  actor_type: z.string(),
  resource_type: z.string(),
  resource_id: z.string(),
  org_id: z.string(),
  details: z.record(z.string(), z.unknown()),
  ip_address: z.string().nullable(),
  user_agent: z.string().nullable(),
  created_at: z.string(),
  /** This entry's link in the hash chain, and the one before it. */
  hash: z.string(),
  prev_hash: z.string(),
}).meta({ id: "AuditEvent" });

export const AuditEventsResponse = z.object({
  events: z.array(AuditEventResponse),
  /** Entries in `events` (this page). */
  count: z.number().int(),
}).meta({ id: "AuditEventsResponse" });

export const AuditVerifyResponse = z.object({
  chain_valid: z.boolean(),
  events_verified: z.number().int(),
  events_checked: z.number().int(),
  broken_at_event_id: z.uuid().nullable(),
  /** Why the chain is broken there (absent when it is valid). */
  reason: z.string().optional(),
  signatures_checked: z.number().int(),
  scheme: z.object({ algorithm: z.string(), chain_structure: z.string(), hash_field: z.string(), link_field: z.string() }),
}).meta({ id: "AuditVerifyResponse" });
