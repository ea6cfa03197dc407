/**
 * The tier's limits on vaults, secrets and agents, decided in one place per (organisation, kind): a slot is
 * taken before the resource is created and released when it goes. Deciding on this one stream, with the
 * command bus's expected-revision retry, is what makes the limit exact when creations race.
 */
import { readResourceSlotEvent, ResourceSlotReleased, ResourceSlotTaken, type ResourceSlotEvent } from "../events/resource-slot.js";
import { defineAggregate } from "./aggregate.js";
import type { Decider } from "./decider.js";
import { ResourceLimit } from "./errors.js";
import type { ResourceKind, Tier } from "./rules/billing-tiers.js";

export type ResourceSlotCommand =
  | { type: "TakeResourceSlot"; orgId: string; kind: ResourceKind; resourceId: string; tier: Tier; limit: number | null }
  | { type: "ReleaseResourceSlot"; orgId: string; kind: ResourceKind; resourceId: string }
  /** Several at once: the secrets of a deleted vault. */
  | { type: "ReleaseResourceSlots"; orgId: string; kind: ResourceKind; resourceIds: readonly string[] };

export interface ResourceSlotState {
  holders: ReadonlySet<string>;
}

const NOUN: Record<ResourceKind, string> = { vault: "Vault", secret: "Secret", agent: "Agent" };

/** The 403 `resource_limit_exceeded` of the seeds: names the count, the limit and the tier. */
export class ResourceLimitExceeded extends ResourceLimit {
  constructor(readonly kind: ResourceKind, readonly count: number, readonly limit: number, readonly tier: Tier) {
    super(`${NOUN[kind]} limit reached (${count}/${limit} on ${tier} tier). Upgrade your plan for more.`);
    this.name = "ResourceLimitExceeded";
  }
}

export const resourceSlotDecider: Decider<ResourceSlotCommand, ResourceSlotState, ResourceSlotEvent> = {
  initialState: { holders: new Set() },
  evolve(state, event) {
    const holders = new Set(state.holders);
    if (event.type === "ResourceSlotTaken") holders.add(event.data.resource_id);
    else holders.delete(event.data.resource_id);
    return { holders };
  },
  decide(command, state) {
    if (command.type === "ReleaseResourceSlots") {
      return [...new Set(command.resourceIds)].filter((id) => state.holders.has(id))
        .map((id) => ResourceSlotReleased.of({ org_id: command.orgId, kind: command.kind, resource_id: id }));
    }
    const place = { org_id: command.orgId, kind: command.kind, resource_id: command.resourceId };
    switch (command.type) {
      case "TakeResourceSlot":
        if (state.holders.has(command.resourceId)) return [];
        if (command.limit !== null && state.holders.size >= command.limit) {
          throw new ResourceLimitExceeded(command.kind, state.holders.size, command.limit, command.tier);
        }
        return [ResourceSlotTaken.of({ ...place, tier: command.tier, limit: command.limit })];
      case "ReleaseResourceSlot":
        return state.holders.has(command.resourceId) ? [ResourceSlotReleased.of(place)] : [];
    }
  },
};

export const resourceSlotAggregate = defineAggregate("resource_slots", resourceSlotDecider, readResourceSlotEvent);
