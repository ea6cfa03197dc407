/**
 * The billing tiers of the seeds (002 "Billing Tiers") and the 1claw billing guide: monthly request quota,
 * resource limits and the overage rate per request. `null` means unlimited. Money is in micro-USD
 * (1 USD = 1,000,000): the per-request rates are fractions of a cent, and cents are only how the API shows it.
 */

export const TIERS = ["free", "pro", "business", "enterprise"] as const;
export type Tier = (typeof TIERS)[number];

export const RESOURCE_KINDS = ["vault", "secret", "agent"] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

export interface TierTerms {
  requestsPerMonth: number | null;
  limits: Record<ResourceKind, number | null>;
  /** What one request over the quota costs in prepaid credits; null where there is no quota to exceed. */
  overageMicroUsdPerRequest: number | null;
}

export const TIER_TERMS: Readonly<Record<Tier, TierTerms>> = {
  free: { requestsPerMonth: 1_000, limits: { vault: 3, secret: 50, agent: 2 }, overageMicroUsdPerRequest: 1_000 },
  pro: { requestsPerMonth: 25_000, limits: { vault: 25, secret: 500, agent: 10 }, overageMicroUsdPerRequest: 800 },
  business: { requestsPerMonth: 100_000, limits: { vault: 100, secret: 5_000, agent: 50 }, overageMicroUsdPerRequest: 600 },
  // "Custom" in the seeds: a self-hosted install's unlimited tier, still counted.
  enterprise: { requestsPerMonth: null, limits: { vault: null, secret: null, agent: null }, overageMicroUsdPerRequest: null },
};

export function isTier(value: string): value is Tier {
  return (TIERS as readonly string[]).includes(value);
}

/** The tier in force: the one an operator set, until its period ends; before and after that, the install's default. */
export function effectiveTier(set: { tier: Tier; periodEnd: Date | null } | undefined, defaultTier: Tier, now: Date): Tier {
  if (!set) return defaultTier;
  if (set.periodEnd && set.periodEnd.getTime() <= now.getTime()) return defaultTier;
  return set.tier;
}

/** The calendar month (UTC) a request is counted in, as "YYYY-MM". */
export function usageMonth(at: Date): string {
  return at.toISOString().slice(0, 7);
}

/** Prepaid credits expire 12 months after they were granted (same day and time, UTC). */
export const CREDIT_LIFETIME_MONTHS = 12;

export function creditExpiry(grantedAt: Date): Date {
  const expiry = new Date(grantedAt.getTime());
  expiry.setUTCMonth(expiry.getUTCMonth() + CREDIT_LIFETIME_MONTHS);
  return expiry;
}

export const MICRO_USD_PER_CENT = 10_000;

/** Cents as the API shows a micro-USD amount: rounded toward zero, so a balance never shows more than there is. */
export function microUsdToCents(micro: number): number {
  return Math.trunc(micro / MICRO_USD_PER_CENT);
}

/** "0.0015" for 1500 micro-USD: the decimal text of the spec's `price_usd` and x402 `price` fields. */
export function microUsdToUsdText(micro: number): string {
  const sign = micro < 0 ? "-" : "";
  const abs = Math.abs(micro);
  const whole = Math.floor(abs / 1_000_000);
  const fraction = String(abs % 1_000_000).padStart(6, "0").replace(/0+$/, "");
  return `${sign}${whole}${fraction ? `.${fraction}` : ""}`;
}
