/**
 * The vaults, secrets and agents an organisation holds, counted where its tier's limits are decided: a slot
 * is taken before such a resource is created and released when it is deleted (or its creation failed).
 */
import { z } from "zod";
import { defineEvent, eventReader, type EventsOf } from "./define.js";

const Kind = z.enum(["vault", "secret", "agent"]);

export const ResourceSlotTaken = defineEvent("ResourceSlotTaken", z.object({
  org_id: z.uuid(),
  kind: Kind,
  resource_id: z.uuid(),
  /** The tier and limit the creation was allowed under (null: unlimited). */
  tier: z.enum(["free", "pro", "business", "enterprise"]),
  limit: z.number().int().nullable(),
}));

export const ResourceSlotReleased = defineEvent("ResourceSlotReleased", z.object({
  org_id: z.uuid(),
  kind: Kind,
  resource_id: z.uuid(),
}));

export const resourceSlotEvents = [ResourceSlotTaken, ResourceSlotReleased] as const;
export type ResourceSlotEvent = EventsOf<typeof resourceSlotEvents>;
export const readResourceSlotEvent = eventReader(resourceSlotEvents);
