/**
 * Policies (grants): one stream per policy (`policy-<uuid>`). A policy lets (or, with effect "deny", forbids)
 * one principal read and/or write (and delete, which needs write) the secrets of one vault whose paths match a glob pattern (`*` one
 * segment, `**` any depth), optionally only from some addresses, in some time windows, until an expiry.
 */
import { z } from "zod";
import { ActorSchema } from "./actor.js";
import { defineEvent, eventReader, type EventsOf } from "./define.js";


/** "delete" is recorded as granted (1claw clients send it) but needs "write" beside it: write is what deletes. */
export const PermissionSchema = z.enum(["read", "write", "delete"]);

/** Conditions as the API takes them (free-form JSON in the reference); the ones we act on are typed. */
export const PolicyConditionsSchema = z.object({
  /** CIDR blocks (or bare addresses) the request must come from. */
  ip_allowlist: z.array(z.string()).optional(),
  /** Windows in which access is allowed; any one suffices. Times "HH:MM" in `timezone` (default UTC). */
  time_windows: z.array(z.object({
    days: z.array(z.enum(["mon", "tue", "wed", "thu", "fri", "sat", "sun"])).optional(),
    start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/),
    end: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/),
    timezone: z.string().optional(),
  })).optional(),
}).catchall(z.unknown());

const terms = {
  permissions: z.array(PermissionSchema).min(1),
  conditions: PolicyConditionsSchema.default({}),
  expires_at: z.iso.datetime({ offset: true }).nullable().default(null),
  effect: z.enum(["allow", "deny"]).default("allow"),
  priority: z.number().int().default(0),
};

export const PolicyCreated = defineEvent("PolicyCreated", z.object({
  policy_id: z.uuid(),
  vault_id: z.uuid(),
  org_id: z.uuid(),
  secret_path_pattern: z.string().min(1),
  principal_type: z.enum(["user", "agent"]),
  principal_id: z.uuid(),
  ...terms,
  created_by: ActorSchema,
}));

/** The new terms in full (PUT replaces permissions, conditions, expires_at, effect and priority). */
export const PolicyUpdated = defineEvent("PolicyUpdated", z.object({
  policy_id: z.uuid(), vault_id: z.uuid(), org_id: z.uuid(), ...terms, updated_by: ActorSchema,
}));

export const PolicyDeleted = defineEvent("PolicyDeleted", z.object({
  policy_id: z.uuid(), vault_id: z.uuid(), org_id: z.uuid(), deleted_by: ActorSchema,
}));

export const policyEvents = [PolicyCreated, PolicyUpdated, PolicyDeleted] as const;
export type PolicyEvent = EventsOf<typeof policyEvents>;
export const readPolicyEvent = eventReader(policyEvents);
