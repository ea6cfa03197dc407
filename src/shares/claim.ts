/** Email shares become the account's when the address signs up or signs in (see humans/login.ts). */
import { shareAggregate } from "../../commands/share.js";
import type { Services } from "../app/services.js";
import type { EventMetadata } from "../eventstore/port.js";
import { findUserById } from "../humans/queries.js";
import { unclaimedEmailShareIds } from "./queries.js";

/** Claims every unclaimed email share to the user's address: the user then accepts or declines each. */
export async function claimEmailShares(services: Pick<Services, "db" | "bus">, userId: string, metadata: EventMetadata): Promise<void> {
  const user = await findUserById(services.db, userId);
  if (!user?.active) return;
  for (const shareId of await unclaimedEmailShareIds(services.db, user.email)) {
    await services.bus.handle(shareAggregate, shareId, { type: "ClaimShare", userId }, { metadata });
  }
}
