/**
 * The tier's limits on vaults, secrets and agents: a creation takes a slot (refused at the limit, exactly,
 * however many creations race) before the resource exists, and gives it back if the creation fails or when
 * the resource is deleted.
 */
import { resourceSlotAggregate } from "../../commands/resource-slots.js";
import { TIER_TERMS, type ResourceKind } from "../../commands/rules/billing-tiers.js";
import type { Services } from "../app/services.js";
import type { EventMetadata } from "../eventstore/port.js";
import { secretIdsInVault } from "../secrets/queries.js";
import { findBillingAccount } from "./queries.js";
import { resourceSlotsId } from "./streams.js";

export type SlotServices = Pick<Services, "bus" | "db" | "clock" | "config">;

export interface SlotPlace {
  orgId: string;
  kind: ResourceKind;
  resourceId: string;
}

export async function takeResourceSlot(services: SlotServices, place: SlotPlace, metadata: EventMetadata): Promise<void> {
  const { tier } = await findBillingAccount(services.db, place.orgId, services.config.billing.defaultTier, services.clock());
  await services.bus.handle(resourceSlotAggregate, resourceSlotsId(place.orgId, place.kind), {
    type: "TakeResourceSlot", ...place, tier, limit: TIER_TERMS[tier].limits[place.kind],
  }, { metadata });
}

export async function releaseResourceSlot(services: SlotServices, place: SlotPlace, metadata: EventMetadata): Promise<void> {
  await services.bus.handle(resourceSlotAggregate, resourceSlotsId(place.orgId, place.kind),
    { type: "ReleaseResourceSlot", ...place }, { metadata });
}

/** Runs `create` in a slot taken for it; the slot is given back if the creation fails. */
export async function withResourceSlot<T>(services: SlotServices, place: SlotPlace, metadata: EventMetadata,
  create: () => Promise<T>): Promise<T> {
  await takeResourceSlot(services, place, metadata);
  try {
    return await create();
  } catch (error) {
    // The creation's own error is what the caller must see; a release that fails too leaves the slot counted.
    await releaseResourceSlot(services, place, metadata).catch(() => undefined);
    throw error;
  }
}

/** A deleted vault's secrets are gone with its key: their slots are given back with the vault's. */
export async function releaseSecretSlotsOfVault(services: SlotServices, orgId: string, vaultId: string,
  metadata: EventMetadata): Promise<void> {
  const resourceIds = await secretIdsInVault(services.db, vaultId);
  if (resourceIds.length === 0) return;
  await services.bus.handle(resourceSlotAggregate, resourceSlotsId(orgId, "secret"),
    { type: "ReleaseResourceSlots", orgId, kind: "secret", resourceIds }, { metadata });
}
