/**
 * Denied requests are facts too (the audit log shows who tried what). High-volume: one stream per
 * organisation (`access_denied-<org id>`), appended with expected revision "any".
 */
import { z } from "zod";
import { ActorSchema } from "./actor.js";
import { defineEvent, eventReader, type EventsOf } from "./define.js";

export const AccessDenied = defineEvent("AccessDenied", z.object({
  org_id: z.uuid(),
  actor: ActorSchema,
  /** What was attempted, e.g. "secret.read", "secret.write", "policy.create". */
  action: z.string(),
  resource_type: z.enum(["vault", "secret", "policy", "agent", "share"]),
  resource_id: z.string(),
  vault_id: z.uuid().optional(),
  /** The secret path, when the resource is a secret (a path is a name, not a value). */
  path: z.string().optional(),
  /** Why, in words for the audit log: "no matching policy", "denied by policy <id>", "outside time window"... */
  reason: z.string(),
}));

export const accessEvents = [AccessDenied] as const;
export type AccessEvent = EventsOf<typeof accessEvents>;
export const readAccessEvent = eventReader(accessEvents);
