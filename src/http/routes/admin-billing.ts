/**
 * Operators' billing routes (`/v1/admin/orgs/{org_id}/...`): set an organisation's tier without a payment
 * provider, as the reference spec's admin route, and grant prepaid credits. Operators only (see
 * src/billing/operators.ts); an organisation's owner is refused.
 */
import { z } from "zod";
import { MICRO_USD_PER_CENT, microUsdToCents } from "../../../commands/rules/billing-tiers.js";
import { BillingTierResponse, GrantCreditsRequest, GrantCreditsResponse, SetBillingTierRequest } from "../../api/billing.js";
import type { Services } from "../../app/services.js";
import { requestMetadata } from "../../auth/metadata.js";
import { requireOperator } from "../../billing/operators.js";
import { grantCredits, setBillingTier } from "../../billing/service.js";
import type { UsageMeter } from "../../billing/usage-meter.js";
import { defineRoute, type Route } from "../route.js";

const OrgParams = z.object({ org_id: z.uuid() });

export function adminBillingRoutes(services: Pick<Services, "db" | "bus" | "config">, meter?: UsageMeter): Route[] {
  const operators = services.config.billing.operatorEmails;
  const tags = ["Admin"];
  return [
    defineRoute({
      method: "PUT", path: "/v1/admin/orgs/{org_id}/billing-tier", summary: "Set org billing tier (without Stripe)",
      description: "Operators only. Paid tiers run for duration_days (default 365), then the organisation returns to the " +
        "install's default tier (KEYLEDGER_DEFAULT_TIER); free has no period.",
      operationId: "adminSetBillingTier", tags, auth: "required",
      request: { params: OrgParams, body: SetBillingTierRequest }, responses: { 200: BillingTierResponse },
    }).handle(async ({ principal, params, body, request }) => {
      const operator = requireOperator(principal, operators);
      const set = await setBillingTier(services, params.org_id, body.tier, body.duration_days ?? 365, operator,
        { ...requestMetadata(request, principal), org_id: params.org_id });
      meter?.invalidate(params.org_id);
      return { status: 200, body: { org_id: params.org_id, tier: set.tier, period_end: set.periodEnd?.toISOString() ?? null } };
    }),

    defineRoute({
      method: "POST", path: "/v1/admin/orgs/{org_id}/credits", summary: "Grant prepaid credits to an organisation",
      description: "Operators only. The self-hosted stand-in for a Stripe top-up: credits expire 12 months after the grant.",
      operationId: "adminGrantCredits", tags, auth: "required",
      request: { params: OrgParams, body: GrantCreditsRequest }, responses: { 201: GrantCreditsResponse },
    }).handle(async ({ principal, params, body, request }) => {
      const operator = requireOperator(principal, operators);
      const granted = await grantCredits(services, params.org_id, body.amount_cents * MICRO_USD_PER_CENT,
        body.description ?? "Credits granted by an operator", operator, { ...requestMetadata(request, principal), org_id: params.org_id });
      meter?.invalidate(params.org_id);
      return { status: 201, body: { grant_id: granted.grantId, org_id: params.org_id, amount_cents: body.amount_cents,
        expires_at: granted.expiresAt, balance_cents: microUsdToCents(granted.balanceAfterMicroUsd) } };
    }),
  ];
}
