/**
 * The organisation's billing tier, as far as this branch knows it. Tiers are not recorded per organisation
 * yet: every organisation is on the operator's default tier (`KEYLEDGER_DEFAULT_TIER`, default enterprise),
 * as a self-hosted install starts them. The billing work (issue 14, billing part) replaces this function's
 * body with a read of the organisation's recorded tier; its callers stay as they are.
 */
import type { Config } from "../config.js";

export const BILLING_TIERS = ["free", "pro", "business", "enterprise"] as const;
export type BillingTier = (typeof BILLING_TIERS)[number];

export async function orgTier(services: { config: Pick<Config, "defaultTier"> }, _orgId: string): Promise<BillingTier> {
  return services.config.defaultTier;
}

/** Tiers that may use customer-managed keys (the seeds: Business and above). */
export function tierAllowsCmek(tier: BillingTier): boolean {
  return tier === "business" || tier === "enterprise";
}
