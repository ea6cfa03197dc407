import { randomUUID } from "node:crypto";
import { expect } from "chai";
import { billingDecider, InsufficientCredits, InvalidCreditAmount, InvalidTierDuration } from "../../commands/billing.js";
import { ResourceLimitExceeded, resourceSlotDecider } from "../../commands/resource-slots.js";
import { creditExpiry, effectiveTier, microUsdToUsdText, usageMonth } from "../../commands/rules/billing-tiers.js";
import { CreditsDebited, CreditsExpired, CreditsGranted, OverageMethodSet, BillingTierSet } from "../../events/billing.js";
import { ResourceSlotReleased, ResourceSlotTaken } from "../../events/resource-slot.js";
import { specFor } from "../support/decider.js";

const NOW = new Date("2026-06-15T12:00:00Z");
const org = randomUUID();
const operator = { type: "operator" as const, id: "ops@example.test" };

const granted = (grantId: string, amount: number, at: Date, balanceAfter: number) => CreditsGranted.of({
  org_id: org, grant_id: grantId, amount_micro_usd: amount, expires_at: creditExpiry(at).toISOString(), description: "grant",
  granted_by: operator, balance_after_micro_usd: balanceAfter,
});

describe("billing account decider", () => {
  const spec = specFor(billingDecider, () => NOW);

  it("sets a paid tier for duration_days from now, and free with no period", () => {
    spec.given().when({ type: "SetBillingTier", orgId: org, tier: "pro", durationDays: 30, by: operator })
      .then(BillingTierSet.of({ org_id: org, tier: "pro", period_end: "2026-07-15T12:00:00.000Z", set_by: operator }));
    spec.given().when({ type: "SetBillingTier", orgId: org, tier: "free", durationDays: 30, by: operator })
      .then(BillingTierSet.of({ org_id: org, tier: "free", period_end: null, set_by: operator }));
    spec.given().when({ type: "SetBillingTier", orgId: org, tier: "pro", durationDays: 0, by: operator }).thenThrows(InvalidTierDuration);
  });

  it("records an overage method change once (credits is where every account starts)", () => {
    const by = { type: "user" as const, id: randomUUID() };
    spec.given().when({ type: "SetOverageMethod", orgId: org, method: "credits", by }).then();
    spec.given().when({ type: "SetOverageMethod", orgId: org, method: "x402", by })
      .then(OverageMethodSet.of({ org_id: org, method: "x402", set_by: by }));
  });

  it("grants credits that expire 12 months later, with the balance after", () => {
    const a = randomUUID();
    const result = billingDecider.decide({ type: "GrantCredits", orgId: org, grantId: a, amountMicroUsd: 50_000, description: "top-up", by: operator },
      billingDecider.evolve(billingDecider.initialState, granted(randomUUID(), 10_000, NOW, 10_000)), NOW);
    expect(result).to.deep.equal([CreditsGranted.of({ org_id: org, grant_id: a, amount_micro_usd: 50_000,
      expires_at: "2027-06-15T12:00:00.000Z", description: "top-up", granted_by: operator, balance_after_micro_usd: 60_000 })]);
    spec.given().when({ type: "GrantCredits", orgId: org, grantId: a, amountMicroUsd: 0, description: "x", by: operator })
      .thenThrows(InvalidCreditAmount);
  });

  it("debits a block FIFO: the oldest grant first, then the next", () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const debitId = randomUUID();
    spec.given(granted(a, 4_000, NOW, 4_000), granted(b, 20_000, NOW, 24_000))
      .when({ type: "DebitCredits", orgId: org, debitId, requests: 10, rateMicroUsd: 1_000 })
      .then(CreditsDebited.of({ org_id: org, debit_id: debitId, amount_micro_usd: 10_000, requests: 10,
        from_grants: [{ grant_id: a, amount_micro_usd: 4_000 }, { grant_id: b, amount_micro_usd: 6_000 }],
        description: "Overage charges for 10 requests", balance_after_micro_usd: 14_000 }));
  });

  it("debits only as many requests as the balance covers, and refuses when it covers none", () => {
    const a = randomUUID();
    const debitId = randomUUID();
    spec.given(granted(a, 2_500, NOW, 2_500)).when({ type: "DebitCredits", orgId: org, debitId, requests: 10, rateMicroUsd: 1_000 })
      .then(CreditsDebited.of({ org_id: org, debit_id: debitId, amount_micro_usd: 2_000, requests: 2,
        from_grants: [{ grant_id: a, amount_micro_usd: 2_000 }], description: "Overage charges for 2 requests", balance_after_micro_usd: 500 }));
    spec.given(granted(a, 500, NOW, 500)).when({ type: "DebitCredits", orgId: org, debitId, requests: 10, rateMicroUsd: 1_000 })
      .thenThrows(InsufficientCredits);
  });

  it("never spends a lapsed grant: it is recorded as expired before the debit, by the server's clock", () => {
    const [old, recent] = [randomUUID(), randomUUID()];
    const debitId = randomUUID();
    const yearAgo = new Date("2025-06-01T00:00:00Z");
    spec.given(granted(old, 9_000, yearAgo, 9_000), granted(recent, 5_000, NOW, 14_000))
      .when({ type: "DebitCredits", orgId: org, debitId, requests: 10, rateMicroUsd: 1_000 })
      .then(
        CreditsExpired.of({ org_id: org, grant_id: old, amount_micro_usd: 9_000, expired_at: "2026-06-01T00:00:00.000Z", balance_after_micro_usd: 5_000 }),
        CreditsDebited.of({ org_id: org, debit_id: debitId, amount_micro_usd: 5_000, requests: 5,
          from_grants: [{ grant_id: recent, amount_micro_usd: 5_000 }], description: "Overage charges for 5 requests", balance_after_micro_usd: 0 }),
      );
    // Only lapsed credits: their expiry is recorded, nothing is debited.
    spec.given(granted(old, 9_000, yearAgo, 9_000)).when({ type: "DebitCredits", orgId: org, debitId, requests: 10, rateMicroUsd: 1_000 })
      .then(CreditsExpired.of({ org_id: org, grant_id: old, amount_micro_usd: 9_000, expired_at: "2026-06-01T00:00:00.000Z", balance_after_micro_usd: 0 }));
  });
});

describe("resource slot decider", () => {
  const spec = specFor(resourceSlotDecider);
  const taken = (id: string) => ResourceSlotTaken.of({ org_id: org, kind: "vault", resource_id: id, tier: "free", limit: 3 });
  const take = (id: string) => ({ type: "TakeResourceSlot" as const, orgId: org, kind: "vault" as const, resourceId: id, tier: "free" as const, limit: 3 });

  it("takes a slot below the limit, and takes it once per resource", () => {
    const [a, b] = [randomUUID(), randomUUID()];
    spec.given(taken(a)).when(take(b)).then(taken(b));
    spec.given(taken(a)).when(take(a)).then();
  });

  it("refuses at the limit, naming count, limit and tier", () => {
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    spec.given(taken(a), taken(b), taken(c)).when(take(randomUUID())).thenThrows(ResourceLimitExceeded);
    expect(() => resourceSlotDecider.decide(take(randomUUID()),
      [taken(a), taken(b), taken(c)].reduce(resourceSlotDecider.evolve, resourceSlotDecider.initialState), NOW))
      .to.throw("Vault limit reached (3/3 on free tier). Upgrade your plan for more.");
  });

  it("frees the slot when the resource goes, and unlimited tiers never refuse", () => {
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    const d = randomUUID();
    spec.given(taken(a), taken(b), taken(c), ResourceSlotReleased.of({ org_id: org, kind: "vault", resource_id: a }))
      .when(take(d)).then(taken(d));
    spec.given(taken(a), taken(b)).when({ type: "ReleaseResourceSlots", orgId: org, kind: "vault", resourceIds: [a, d, a] })
      .then(ResourceSlotReleased.of({ org_id: org, kind: "vault", resource_id: a }));
    const unlimited = { ...take(d), tier: "enterprise" as const, limit: null };
    spec.given(taken(a), taken(b), taken(c)).when(unlimited)
      .then(ResourceSlotTaken.of({ org_id: org, kind: "vault", resource_id: d, tier: "enterprise", limit: null }));
  });
});

describe("billing rules", () => {
  it("counts a request in its calendar month (UTC)", () => {
    expect(usageMonth(new Date("2026-12-31T23:59:59Z"))).to.equal("2026-12");
    expect(usageMonth(new Date("2027-01-01T00:00:00Z"))).to.equal("2027-01");
  });

  it("falls back to the install's default tier when an operator's period ends", () => {
    const set = { tier: "pro" as const, periodEnd: new Date("2026-07-01T00:00:00Z") };
    expect(effectiveTier(set, "enterprise", new Date("2026-06-30T00:00:00Z"))).to.equal("pro");
    expect(effectiveTier(set, "enterprise", new Date("2026-07-01T00:00:00Z"))).to.equal("enterprise");
    expect(effectiveTier(undefined, "free", NOW)).to.equal("free");
  });

  it("writes micro-USD as the spec's decimal USD text", () => {
    expect(microUsdToUsdText(1_500)).to.equal("0.0015");
    expect(microUsdToUsdText(10_000_000)).to.equal("10");
    expect(microUsdToUsdText(0)).to.equal("0");
  });
});
