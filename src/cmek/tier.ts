/**
 * Whether an organisation's billing tier allows customer-managed keys (the seeds: Business and above). The
 * tier is the one billing records for the organisation, else the operator's default (`KEYLEDGER_DEFAULT_TIER`).
 */
import type { Tier } from "../../commands/rules/billing-tiers.js";
import { findBillingAccount } from "../billing/queries.js";
import type { Services } from "../app/services.js";

export async function orgTier(services: Pick<Services, "db" | "config" | "clock">, orgId: string): Promise<Tier> {
  return (await findBillingAccount(services.db, orgId, services.config.billing.defaultTier, services.clock())).tier;
}

export function tierAllowsCmek(tier: Tier): boolean {
  return tier === "business" || tier === "enterprise";
}
