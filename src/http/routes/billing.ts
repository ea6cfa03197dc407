/**
 * `/v1/billing`: the organisation's subscription, usage, credits and overage method, with the reference spec's
 * shapes. Stripe's routes (subscribe, portal, top-up, webhooks, LLM token billing) are kept and answer that no
 * payment provider is configured: on a self-hosted install, operators set tiers and grant credits.
 */
import { z } from "zod";
import { Conflict } from "../../../commands/errors.js";
import { microUsdToCents, microUsdToUsdText, TIER_TERMS, type ResourceKind } from "../../../commands/rules/billing-tiers.js";
import {
  CreditBalanceResponse, CreditTransactionsListResponse, CreditTransactionsQuery, OverageMethodRequest, OverageMethodResponse,
  SubscriptionResponse, UsageHistoryQuery, UsageHistoryResponse, UsageSummaryResponse,
} from "../../api/billing.js";
import type { Services } from "../../app/services.js";
import { requireRole, requireUser } from "../../auth/guards.js";
import { requestMetadata } from "../../auth/metadata.js";
import { creditBalance, creditLedger, findBillingAccount, monthUsage, resourceCounts, usageHistory } from "../../billing/queries.js";
import { setOverageMethod } from "../../billing/service.js";
import type { UsageMeter } from "../../billing/usage-meter.js";
import { defineRoute, type Route } from "../route.js";

export class NoPaymentProvider extends Conflict {
  constructor() {
    super("no payment provider is configured on this install: an operator sets the tier " +
      "(PUT /v1/admin/orgs/{org_id}/billing-tier, `keyledger org set-tier`) and grants credits (`keyledger credits grant`)");
    this.name = "NoPaymentProvider";
  }
}

const UNLIMITED = -1;
const limitOf = (limit: number | null) => limit ?? UNLIMITED;
const usd = (micro: number) => microUsdToUsdText(micro);

const LlmTokenBillingResponse = z.object({
  enabled: z.boolean(), subscription_status: z.string(), active_subscription_count: z.number().int(),
  subscription_ids: z.array(z.string()),
}).meta({ id: "LlmTokenBillingResponse" });

export function billingRoutes(services: Pick<Services, "db" | "bus" | "clock" | "config">, meter?: UsageMeter): Route[] {
  const { db, clock, config } = services;
  const account = (orgId: string) => findBillingAccount(db, orgId, config.billing.defaultTier, clock());
  const tags = ["Billing"];

  const stripeOnly = (method: "GET" | "POST", path: string, summary: string, auth: "required" | "none" = "required") =>
    defineRoute({ method, path, summary, tags, auth, description: "Stripe only: answers 409, no payment provider is configured.",
      responses: { 200: z.object({}).loose() } }).handle(() => {
      throw new NoPaymentProvider();
    });

  return [
    defineRoute({
      method: "GET", path: "/v1/billing/subscription", summary: "Get subscription, usage, and credit summary",
      operationId: "billingSubscription", tags, auth: "required", responses: { 200: SubscriptionResponse },
    }).handle(async ({ principal }) => {
      const user = requireUser(principal);
      await meter?.flushNow();
      const now = clock();
      const [acct, balance, usage, counts] = await Promise.all([account(user.orgId),
        creditBalance(db, user.orgId, now, 90), monthUsage(db, user.orgId, now), resourceCounts(db, user.orgId)]);
      const terms = TIER_TERMS[acct.tier];
      const meterOf = (kind: ResourceKind) => ({ used: counts[kind], limit: limitOf(terms.limits[kind]) });
      return { status: 200, body: {
        tier: acct.tier, status: "active", ...(acct.set?.periodEnd && { period_end: acct.set.periodEnd.toISOString() }),
        credit_balance_cents: microUsdToCents(balance.balanceMicroUsd), credit_balance_usd: usd(balance.balanceMicroUsd),
        overage_method: acct.overageMethod,
        usage: {
          requests: { used: usage.totalRequests, limit: limitOf(terms.requestsPerMonth) },
          vaults: meterOf("vault"), secrets: meterOf("secret"), agents: meterOf("agent"),
        },
      } };
    }),

    defineRoute({
      method: "GET", path: "/v1/billing/usage", summary: "Get usage summary (current month)", operationId: "billingUsage",
      tags, auth: "required", responses: { 200: UsageSummaryResponse },
    }).handle(async ({ principal }) => {
      const user = requireUser(principal);
      await meter?.flushNow();
      const [acct, usage] = await Promise.all([account(user.orgId), monthUsage(db, user.orgId, clock())]);
      return { status: 200, body: {
        billing_tier: acct.tier, free_tier_limit: limitOf(TIER_TERMS[acct.tier].requestsPerMonth),
        current_month: {
          total_requests: usage.totalRequests, paid_requests: usage.paidRequests,
          free_requests: usage.totalRequests - usage.paidRequests, total_cost_usd: usd(usage.costMicroUsd),
        },
      } };
    }),

    defineRoute({
      method: "GET", path: "/v1/billing/history", summary: "Get usage event history", operationId: "billingHistory",
      tags, auth: "required", request: { query: UsageHistoryQuery }, responses: { 200: UsageHistoryResponse },
    }).handle(async ({ principal, query }) => {
      const user = requireUser(principal);
      await meter?.flushNow();
      const events = await usageHistory(db, user.orgId, query.limit ?? 50);
      return { status: 200, body: { events: events.map((e) => ({
        id: e.id, principal_type: e.principalType, principal_id: e.principalId, method: e.method, endpoint: e.endpoint,
        status_code: e.statusCode, price_usd: usd(e.priceMicroUsd), is_paid: e.isPaid, created_at: e.createdAt.toISOString(),
      })) } };
    }),

    defineRoute({
      method: "GET", path: "/v1/billing/credits/balance", summary: "Get credit balance", operationId: "billingCreditBalance",
      tags, auth: "required", responses: { 200: CreditBalanceResponse },
    }).handle(async ({ principal }) => {
      const user = requireUser(principal);
      const now = clock();
      const [within90, within30] = await Promise.all([creditBalance(db, user.orgId, now, 90), creditBalance(db, user.orgId, now, 30)]);
      return { status: 200, body: {
        balance_cents: microUsdToCents(within90.balanceMicroUsd), balance_usd: usd(within90.balanceMicroUsd),
        balance_micro_usd: within90.balanceMicroUsd,
        expiring_within_90_days: { amount_cents: microUsdToCents(within90.expiring.amountMicroUsd),
          earliest_expiry: within90.expiring.earliestExpiry?.toISOString() ?? null },
        expiring_within_30d_cents: microUsdToCents(within30.expiring.amountMicroUsd),
      } };
    }),

    defineRoute({
      method: "GET", path: "/v1/billing/credits/transactions", summary: "Get credit transaction ledger",
      operationId: "billingCreditTransactions", tags, auth: "required", request: { query: CreditTransactionsQuery },
      responses: { 200: CreditTransactionsListResponse },
    }).handle(async ({ principal, query }) => {
      const user = requireUser(principal);
      const page = query.page ?? 1;
      const limit = query.limit ?? 50;
      const entries = await creditLedger(db, user.orgId, page, limit);
      return { status: 200, body: { page, limit, transactions: entries.map((e) => ({
        id: e.id, type: e.type, amount_cents: microUsdToCents(e.amountMicroUsd), balance_after_cents: microUsdToCents(e.balanceAfterMicroUsd),
        description: e.description, created_at: e.createdAt.toISOString(),
      })) } };
    }),

    defineRoute({
      method: "PATCH", path: "/v1/billing/overage-method", summary: "Set overage payment method",
      description: "How requests over the monthly quota are paid: prepaid `credits` (debited at the tier's rate) or `x402` " +
        "(a 402 with payment details until the request is retried with X-PAYMENT). Owners and admins only.",
      operationId: "billingOverageMethod", tags, auth: "required", request: { body: OverageMethodRequest },
      responses: { 200: OverageMethodResponse },
    }).handle(async ({ principal, body, request }) => {
      const user = requireRole(principal, "owner", "admin");
      const method = body.method ?? body.overage_method!;
      const now = await setOverageMethod(services, user.orgId, method, { type: "user", id: user.id }, requestMetadata(request, user));
      meter?.invalidate(user.orgId);
      return { status: 200, body: { overage_method: now } };
    }),

    stripeOnly("POST", "/v1/billing/subscribe", "Start a subscription via Stripe Checkout"),
    stripeOnly("POST", "/v1/billing/portal", "Open Stripe Customer Portal"),
    stripeOnly("POST", "/v1/billing/credits/topup", "Top up prepaid credits via Stripe"),
    stripeOnly("POST", "/v1/billing/webhooks", "Stripe webhook receiver", "none"),
    stripeOnly("POST", "/v1/billing/llm-token-billing/subscribe", "Subscribe to LLM token billing"),
    defineRoute({
      method: "GET", path: "/v1/billing/llm-token-billing", summary: "Get LLM token billing status", tags, auth: "required",
      responses: { 200: LlmTokenBillingResponse },
    }).handle(({ principal }) => {
      requireUser(principal);
      return { status: 200, body: { enabled: false, subscription_status: "inactive", active_subscription_count: 0, subscription_ids: [] } };
    }),
  ];
}
