/**
 * An organisation's billing account: its tier, how requests over the quota are paid, and its prepaid credits
 * (grants, debits, expiries). Every change of money and tier is one of these facts; amounts are micro-USD and
 * each money fact carries the balance after it, so the ledger reads straight off the log.
 */
import { z } from "zod";
import { defineEvent, eventReader, type EventsOf } from "./define.js";

const Tier = z.enum(["free", "pro", "business", "enterprise"]);
/** Who changed the account: an operator of the install (CLI or admin route) or a member of the organisation. */
export const BillingActor = z.object({ type: z.enum(["operator", "user"]), id: z.string().min(1).max(320) });
const MicroUsd = z.number().int();

export const BillingTierSet = defineEvent("BillingTierSet", z.object({
  org_id: z.uuid(),
  tier: Tier,
  /** When the tier lapses back to the install's default; null: until changed. */
  period_end: z.string().nullable(),
  set_by: BillingActor,
}));

export const OverageMethodSet = defineEvent("OverageMethodSet", z.object({
  org_id: z.uuid(),
  method: z.enum(["credits", "x402"]),
  set_by: BillingActor,
}));

export const CreditsGranted = defineEvent("CreditsGranted", z.object({
  org_id: z.uuid(),
  grant_id: z.uuid(),
  amount_micro_usd: MicroUsd.positive(),
  expires_at: z.string(),
  description: z.string(),
  granted_by: BillingActor,
  balance_after_micro_usd: MicroUsd,
}));

export const CreditsDebited = defineEvent("CreditsDebited", z.object({
  org_id: z.uuid(),
  debit_id: z.uuid(),
  amount_micro_usd: MicroUsd.positive(),
  /** The requests over the quota this debit pays for, at the tier's rate. */
  requests: z.number().int().positive(),
  /** Oldest grants first (FIFO). */
  from_grants: z.array(z.object({ grant_id: z.uuid(), amount_micro_usd: MicroUsd.positive() })).min(1),
  description: z.string(),
  balance_after_micro_usd: MicroUsd,
}));

export const CreditsExpired = defineEvent("CreditsExpired", z.object({
  org_id: z.uuid(),
  grant_id: z.uuid(),
  /** What was left of the grant when it lapsed. */
  amount_micro_usd: MicroUsd.positive(),
  expired_at: z.string(),
  balance_after_micro_usd: MicroUsd,
}));

export const billingEvents = [BillingTierSet, OverageMethodSet, CreditsGranted, CreditsDebited, CreditsExpired] as const;
export type BillingEvent = EventsOf<typeof billingEvents>;
export const readBillingEvent = eventReader(billingEvents);
