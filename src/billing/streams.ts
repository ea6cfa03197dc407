/** Where billing facts live: one account stream per organisation, usage facts per organisation and month. */
import type { ResourceKind } from "../../commands/rules/billing-tiers.js";
import { nameBasedId } from "../ids/name-based-id.js";
import { streamName } from "../eventstore/port.js";

/** The id of an organisation's slot stream for one kind of resource. */
export const resourceSlotsId = (orgId: string, kind: ResourceKind) => nameBasedId("resource-slots", orgId, kind);

/** Usage facts of an organisation in one month: high volume, so never in the account's stream. */
export const usageStream = (orgId: string, month: string) => streamName("usage", nameBasedId("usage", orgId, month));

/** Settled x402 payments of an organisation. */
export const x402PaymentsStream = (orgId: string) => streamName("x402_payments", orgId);
