import { randomUUID } from "node:crypto";
import { BillingTierSet, CreditsDebited, CreditsExpired, CreditsGranted, OverageMethodSet } from "../../events/billing.js";
import { ResourceSlotReleased, ResourceSlotTaken } from "../../events/resource-slot.js";
import { RequestsCounted } from "../../events/usage.js";
import { billingAccountsProjection } from "../../projections/billing-accounts.js";
import { resourceSlotsProjection } from "../../projections/resource-slots.js";
import { usageProjection } from "../../projections/usage.js";
import { describeProjection, fact } from "../support/projection-spec.js";

const org = randomUUID();
const operator = { type: "operator" as const, id: "ops@example.test" };

describe("billing accounts read model", () => {
  const spec = describeProjection(billingAccountsProjection);

  it("keeps the tier an operator set and the overage method", async () => {
    await (await spec().given(
      BillingTierSet.of({ org_id: org, tier: "pro", period_end: "2026-02-01T00:00:00.000Z", set_by: operator }),
      fact(OverageMethodSet.of({ org_id: org, method: "x402", set_by: { type: "user", id: randomUUID() } }), { at: new Date("2026-01-05T00:00:00Z") }),
    )).expectRows("select org_id, tier, period_end, overage_method, updated_at from billing_accounts", [
      { org_id: org, tier: "pro", period_end: new Date("2026-02-01T00:00:00Z"), overage_method: "x402", updated_at: new Date("2026-01-05T00:00:00Z") },
    ]);
  });

  it("keeps what is left of each grant, and a ledger of grants, debits and expiries with the balance after each", async () => {
    const [a, b, debit] = [randomUUID(), randomUUID(), randomUUID()];
    const granted = (id: string, amount: number, balance: number) => CreditsGranted.of({ org_id: org, grant_id: id, amount_micro_usd: amount,
      expires_at: "2027-01-01T00:00:00.000Z", description: "top-up", granted_by: operator, balance_after_micro_usd: balance });
    const s = await spec().given(
      fact(granted(a, 40_000, 40_000), { at: new Date("2026-01-01T00:00:00Z") }),
      fact(granted(b, 50_000, 90_000), { at: new Date("2026-01-01T00:01:00Z") }),
      fact(CreditsDebited.of({ org_id: org, debit_id: debit, amount_micro_usd: 50_000, requests: 50,
        from_grants: [{ grant_id: a, amount_micro_usd: 40_000 }, { grant_id: b, amount_micro_usd: 10_000 }],
        description: "Overage charges for 50 requests", balance_after_micro_usd: 40_000 }), { at: new Date("2026-01-01T00:02:00Z") }),
      fact(CreditsExpired.of({ org_id: org, grant_id: b, amount_micro_usd: 40_000, expired_at: "2027-01-01T00:00:00.000Z",
        balance_after_micro_usd: 0 }), { at: new Date("2027-01-02T00:00:00Z") }),
    );
    await s.expectRows("select grant_id, remaining_micro_usd::int as remaining from credit_grants order by granted_at",
      [{ grant_id: a, remaining: 0 }, { grant_id: b, remaining: 0 }]);
    await s.expectRows("select type, amount_micro_usd::int as amount, balance_after_micro_usd::int as balance from credit_ledger order by created_at", [
      { type: "topup", amount: 40_000, balance: 40_000 }, { type: "topup", amount: 50_000, balance: 90_000 },
      { type: "usage", amount: -50_000, balance: 40_000 }, { type: "expiry", amount: -40_000, balance: 0 },
    ]);
  });
});

describe("usage read model", () => {
  const spec = describeProjection(usageProjection);
  const request = (paid: boolean, price = 0) => ({
    id: randomUUID(), principal_type: "agent" as const, principal_id: randomUUID(), method: "GET",
    endpoint: "/v1/vaults/{vault_id}/secrets/{path+}", status_code: 200, price_micro_usd: price, is_paid: paid, at: "2026-01-03T10:00:00.000Z",
  });

  it("adds each batch to its month's totals and keeps every counted request", async () => {
    const s = await spec().given(
      RequestsCounted.of({ org_id: org, month: "2026-01", requests: [request(false), request(false)] }),
      RequestsCounted.of({ org_id: org, month: "2026-01", requests: [request(true, 1_500)] }),
      RequestsCounted.of({ org_id: org, month: "2026-02", requests: [request(false)] }),
    );
    await s.expectRows("select month, total_requests::int as total, paid_requests::int as paid, cost_micro_usd::int as cost from usage_months order by month", [
      { month: "2026-01", total: 3, paid: 1, cost: 1_500 }, { month: "2026-02", total: 1, paid: 0, cost: 0 },
    ]);
    await s.expectRows("select count(*)::int as n, sum(price_micro_usd)::int as cost from usage_events", [{ n: 4, cost: 1_500 }]);
  });
});

describe("resource slots read model", () => {
  const spec = describeProjection(resourceSlotsProjection);

  it("holds the resources that took a slot until they release it", async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    await (await spec().given(
      ResourceSlotTaken.of({ org_id: org, kind: "vault", resource_id: a, tier: "free", limit: 3 }),
      ResourceSlotTaken.of({ org_id: org, kind: "secret", resource_id: b, tier: "free", limit: 50 }),
      ResourceSlotReleased.of({ org_id: org, kind: "vault", resource_id: a }),
    )).expectRows("select kind, resource_id from resource_slots", [{ kind: "secret", resource_id: b }]);
  });
});
