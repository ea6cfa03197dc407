/**
 * Wire schemas of `/v1/billing` and of the operators' `/v1/admin/orgs/{org_id}/...` billing routes, and the
 * 402 payment body, as the reference spec defines them (plus the fields 1claw's own clients read).
 * A limit of -1 means unlimited (the enterprise tier).
 */
import { z } from "zod";

export const UsageMeter = z.object({ used: z.number().int(), limit: z.number().int() }).meta({ id: "UsageMeter" });

export const UsageSummaryResponse = z.object({
  billing_tier: z.string(),
  free_tier_limit: z.number().int(),
  current_month: z.object({
    total_requests: z.number().int(),
    paid_requests: z.number().int(),
    free_requests: z.number().int(),
    total_cost_usd: z.string(),
  }),
}).meta({ id: "UsageSummaryResponse" });

export const UsageHistoryResponse = z.object({
  events: z.array(z.object({
    id: z.uuid(),
    principal_type: z.string(),
    principal_id: z.string(),
    method: z.string(),
    endpoint: z.string(),
    status_code: z.number().int(),
    price_usd: z.string(),
    is_paid: z.boolean(),
    created_at: z.string(),
  })),
}).meta({ id: "UsageHistoryResponse" });

export const UsageHistoryQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).optional() });

export const SubscriptionResponse = z.object({
  tier: z.string(),
  interval: z.string().optional(),
  period_end: z.string().optional(),
  status: z.string(),
  credit_balance_cents: z.number().int(),
  credit_balance_usd: z.string(),
  overage_method: z.string(),
  usage: z.record(z.string(), UsageMeter),
}).meta({ id: "SubscriptionResponse" });

export const CreditBalanceResponse = z.object({
  balance_cents: z.number().int(),
  balance_usd: z.string(),
  expiring_within_90_days: z.object({ amount_cents: z.number().int(), earliest_expiry: z.string().nullable() }).optional(),
  /** Read by the 1claw CLI. */
  expiring_within_30d_cents: z.number().int().optional(),
  balance_micro_usd: z.number().int().optional(),
}).meta({ id: "CreditBalanceResponse" });

export const CreditTransactionsQuery = z.object({
  page: z.coerce.number().int().min(1).max(1_000_000).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});

export const CreditTransactionsListResponse = z.object({
  transactions: z.array(z.object({
    id: z.uuid(),
    type: z.string(),
    amount_cents: z.number().int(),
    balance_after_cents: z.number().int(),
    description: z.string().optional(),
    created_at: z.string(),
  })),
  page: z.number().int().optional(),
  limit: z.number().int().optional(),
}).meta({ id: "CreditTransactionsListResponse" });

const OverageMethod = z.enum(["credits", "x402"]);
/** The spec names the field `method`; 1claw's billing guide and dashboard send `overage_method`: either is accepted. */
export const OverageMethodRequest = z.object({ method: OverageMethod.optional(), overage_method: OverageMethod.optional() })
  .refine((body) => body.method !== undefined || body.overage_method !== undefined, { message: "method (credits or x402) is required" })
  .refine((body) => !(body.method && body.overage_method && body.method !== body.overage_method),
    { message: "method and overage_method disagree" })
  .meta({ id: "OverageMethodRequest" });
export const OverageMethodResponse = z.object({ overage_method: z.string() }).meta({ id: "OverageMethodResponse" });

/** The 402 body (x402): what to pay, where, and on which network. */
export const PaymentRequirement = z.object({
  x402Version: z.number().int().optional(),
  accepts: z.array(z.object({
    scheme: z.string(),
    network: z.string(),
    payTo: z.string().optional(),
    price: z.string().optional(),
    maxAmountRequired: z.string().optional(),
    requiredDeadlineSeconds: z.number().int().optional(),
    maxTimeoutSeconds: z.number().int().optional(),
    resource: z.string().optional(),
    asset: z.string().optional(),
  }).loose()).optional(),
  error: z.string().optional(),
  required_usd: z.string().optional(),
  message: z.string().optional(),
}).loose().meta({ id: "PaymentRequirement" });

export const BillingTier = z.enum(["free", "pro", "business", "enterprise"]);

export const SetBillingTierRequest = z.object({
  tier: BillingTier,
  /** How long a paid tier runs before the organisation returns to the install's default tier. */
  duration_days: z.number().int().min(1).max(3650).optional(),
}).meta({ id: "SetBillingTierRequest" });

export const BillingTierResponse = z.object({
  org_id: z.uuid(),
  tier: BillingTier,
  period_end: z.string().nullable(),
}).meta({ id: "BillingTierResponse" });

/** An operator's credit grant (self-hosted stand-in for a Stripe top-up). */
export const GrantCreditsRequest = z.object({
  amount_cents: z.number().int().min(1).max(100_000_000),
  description: z.string().min(1).max(200).optional(),
}).meta({ id: "GrantCreditsRequest" });

export const GrantCreditsResponse = z.object({
  grant_id: z.uuid(),
  org_id: z.uuid(),
  amount_cents: z.number().int(),
  expires_at: z.string(),
  balance_cents: z.number().int(),
}).meta({ id: "GrantCreditsResponse" });
