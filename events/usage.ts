/**
 * Requests counted against an organisation's monthly quota. The API counts in memory and records the counts
 * in batches (one fact per organisation and flush, never a write per request); each fact lists the requests
 * it counts, which is what `GET /v1/billing/history` shows.
 */
import { z } from "zod";
import { defineEvent, eventReader, type EventsOf } from "./define.js";

export const CountedRequest = z.object({
  id: z.uuid(),
  principal_type: z.enum(["user", "agent"]),
  principal_id: z.uuid(),
  method: z.string(),
  /** The route's declared pattern, never the raw path (which may name secrets). */
  endpoint: z.string(),
  status_code: z.number().int(),
  /** What the request cost over the quota (credits or x402); 0 within the quota. */
  price_micro_usd: z.number().int().nonnegative(),
  is_paid: z.boolean(),
  at: z.string(),
});

export const RequestsCounted = defineEvent("RequestsCounted", z.object({
  org_id: z.uuid(),
  /** The calendar month (UTC) the requests count in, "YYYY-MM". */
  month: z.string().regex(/^\d{4}-\d{2}$/),
  requests: z.array(CountedRequest).min(1),
}));

/** A request over the quota was paid with x402: the facilitator verified and settled this authorization. */
export const X402PaymentSettled = defineEvent("X402PaymentSettled", z.object({
  org_id: z.uuid(),
  payer: z.string(),
  amount_atomic: z.string(),
  network: z.string(),
  asset: z.string(),
  pay_to: z.string(),
  /** The EIP-3009 authorization nonce: one payment, one request. */
  nonce: z.string(),
  resource: z.string(),
  transaction: z.string().optional(),
}));

export const usageEvents = [RequestsCounted, X402PaymentSettled] as const;
export type UsageEvent = EventsOf<typeof usageEvents>;
export const readUsageEvent = eventReader(usageEvents);
