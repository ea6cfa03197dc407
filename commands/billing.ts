/**
 * An organisation's billing account: tier, overage method and prepaid credits. Credits are a list of grants,
 * each expiring 12 months after it was made; a debit takes from the oldest grant first (FIFO), and grants
 * that lapsed by the time of a debit are recorded as expired first, so a debit never spends lapsed money.
 */
import {
  BillingTierSet, CreditsDebited, CreditsExpired, CreditsGranted, OverageMethodSet, readBillingEvent,
  type BillingEvent,
} from "../events/billing.js";
import { defineAggregate, type Timed } from "./aggregate.js";
import type { Decider } from "./decider.js";
import { Invalid, PaymentRequired } from "./errors.js";
import { creditExpiry, type Tier } from "./rules/billing-tiers.js";

export type BillingActor = { type: "operator" | "user"; id: string };
export type OverageMethod = "credits" | "x402";

export type BillingCommand =
  | { type: "SetBillingTier"; orgId: string; tier: Tier; durationDays: number | null; by: BillingActor }
  | { type: "SetOverageMethod"; orgId: string; method: OverageMethod; by: BillingActor }
  | { type: "GrantCredits"; orgId: string; grantId: string; amountMicroUsd: number; description: string; by: BillingActor }
  /**
   * Pays for up to `requests` requests over the quota at `rateMicroUsd` each: as many as the balance covers. When
   * it covers none, records only the expiries that made it so, or refuses (InsufficientCredits) if there are none.
   */
  | { type: "DebitCredits"; orgId: string; debitId: string; requests: number; rateMicroUsd: number };

export interface CreditGrant {
  grantId: string;
  remaining: number;
  expiresAt: Date;
}

export interface BillingState {
  tier?: { tier: Tier; periodEnd: Date | null };
  overageMethod: OverageMethod;
  /** Oldest first; only grants with something left. */
  grants: CreditGrant[];
}

/** The largest single grant: a guard against a typo of a few zeros, not a business rule. */
export const MAX_GRANT_MICRO_USD = 1_000_000 * 1_000_000;

export class InvalidCreditAmount extends Invalid {
  constructor() {
    super(`a credit grant must be a positive amount of at most ${MAX_GRANT_MICRO_USD / 1_000_000} USD`);
    this.name = "InvalidCreditAmount";
  }
}

export class InvalidTierDuration extends Invalid {
  constructor() {
    super("duration_days must be a whole number of days from 1 to 3650");
    this.name = "InvalidTierDuration";
  }
}

/** Over the quota with overage method `credits`, and the balance does not cover one more request. */
export class InsufficientCredits extends PaymentRequired {
  constructor(readonly balanceMicroUsd: number, readonly rateMicroUsd: number) {
    super("the prepaid credit balance does not cover one more request");
    this.name = "InsufficientCredits";
  }
}

const initialState: BillingState = { overageMethod: "credits", grants: [] };

function takeFrom(grants: CreditGrant[], grantId: string, amount: number): CreditGrant[] {
  return grants.map((g) => (g.grantId === grantId ? { ...g, remaining: g.remaining - amount } : g)).filter((g) => g.remaining > 0);
}

function evolve(state: BillingState, event: Timed<BillingEvent>): BillingState {
  switch (event.type) {
    case "BillingTierSet":
      return { ...state, tier: { tier: event.data.tier, periodEnd: event.data.period_end ? new Date(event.data.period_end) : null } };
    case "OverageMethodSet":
      return { ...state, overageMethod: event.data.method };
    case "CreditsGranted":
      return { ...state, grants: [...state.grants,
        { grantId: event.data.grant_id, remaining: event.data.amount_micro_usd, expiresAt: new Date(event.data.expires_at) }] };
    case "CreditsDebited":
      return { ...state, grants: event.data.from_grants.reduce((grants, part) => takeFrom(grants, part.grant_id, part.amount_micro_usd), state.grants) };
    case "CreditsExpired":
      return { ...state, grants: state.grants.filter((g) => g.grantId !== event.data.grant_id) };
  }
}

/** The balance the recorded facts leave (lapsed grants included until their expiry is recorded). */
export function recordedBalance(state: BillingState): number {
  return state.grants.reduce((sum, g) => sum + g.remaining, 0);
}

/** Records the expiry of every grant that has lapsed by `now`. */
function expireLapsed(state: BillingState, orgId: string, now: Date): { events: BillingEvent[]; live: CreditGrant[] } {
  let balance = recordedBalance(state);
  const events: BillingEvent[] = [];
  for (const grant of state.grants.filter((g) => g.expiresAt.getTime() <= now.getTime())) {
    balance -= grant.remaining;
    events.push(CreditsExpired.of({
      org_id: orgId, grant_id: grant.grantId, amount_micro_usd: grant.remaining, expired_at: grant.expiresAt.toISOString(),
      balance_after_micro_usd: balance,
    }));
  }
  return { events, live: state.grants.filter((g) => g.expiresAt.getTime() > now.getTime()) };
}

function decide(command: BillingCommand, state: BillingState, now: Date): BillingEvent[] {
  switch (command.type) {
    case "SetBillingTier": {
      const { durationDays } = command;
      if (durationDays !== null && !(Number.isInteger(durationDays) && durationDays >= 1 && durationDays <= 3650)) {
        throw new InvalidTierDuration();
      }
      // Paid tiers run for a period; free has none (as the reference's admin route).
      const periodEnd = command.tier === "free" || durationDays === null ? null
        : new Date(now.getTime() + durationDays * 86_400_000).toISOString();
      return [BillingTierSet.of({ org_id: command.orgId, tier: command.tier, period_end: periodEnd, set_by: command.by })];
    }
    case "SetOverageMethod":
      if (state.overageMethod === command.method) return [];
      return [OverageMethodSet.of({ org_id: command.orgId, method: command.method, set_by: command.by })];
    case "GrantCredits": {
      const amount = command.amountMicroUsd;
      if (!(Number.isInteger(amount) && amount > 0 && amount <= MAX_GRANT_MICRO_USD)) throw new InvalidCreditAmount();
      return [CreditsGranted.of({
        org_id: command.orgId, grant_id: command.grantId, amount_micro_usd: amount,
        expires_at: creditExpiry(now).toISOString(), description: command.description, granted_by: command.by,
        balance_after_micro_usd: recordedBalance(state) + amount,
      })];
    }
    case "DebitCredits": {
      const { events, live } = expireLapsed(state, command.orgId, now);
      const available = live.reduce((sum, g) => sum + g.remaining, 0);
      const requests = Math.min(command.requests, Math.floor(available / command.rateMicroUsd));
      if (requests < 1) {
        // Nothing to debit, but the lapsed grants are recorded as such (the ledger shows why there is no balance).
        if (events.length > 0) return events;
        throw new InsufficientCredits(available, command.rateMicroUsd);
      }
      let owed = requests * command.rateMicroUsd;
      const fromGrants: Array<{ grant_id: string; amount_micro_usd: number }> = [];
      for (const grant of live) {
        if (owed === 0) break;
        const part = Math.min(owed, grant.remaining);
        fromGrants.push({ grant_id: grant.grantId, amount_micro_usd: part });
        owed -= part;
      }
      const amount = requests * command.rateMicroUsd;
      return [...events, CreditsDebited.of({
        org_id: command.orgId, debit_id: command.debitId, amount_micro_usd: amount, requests, from_grants: fromGrants,
        description: `Overage charges for ${requests} request${requests === 1 ? "" : "s"}`,
        balance_after_micro_usd: available - amount,
      })];
    }
  }
}

export const billingDecider: Decider<BillingCommand, BillingState, BillingEvent> = { initialState, evolve, decide };

export const billingAggregate = defineAggregate("billing", billingDecider, readBillingEvent);
