/**
 * Wire schemas of `/v1/billing`, and the 402 payment body, as the reference spec defines them. The server
 * does not serve the billing routes yet (issue 14).
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
}).meta({ id: "CreditBalanceResponse" });

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

export const OverageMethodRequest = z.object({ method: z.enum(["credits", "x402"]) }).meta({ id: "OverageMethodRequest" });
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
