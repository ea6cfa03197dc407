/**
 * The Intents API's facts. Three kinds of stream:
 * - `tx-<uuid>`: one EVM transaction, every step it went through (submitted, simulated, rejected by a
 *   guardrail, signed, broadcast, confirmed or failed). The signed transaction is kept (it is what the
 *   chain sees once broadcast); the signing key never is, in any form.
 * - `intents-<agent id>`: the agent's ledger of authorised transactions, the one place where guardrails
 *   (rolling daily spend) and nonces are decided, so that concurrent submissions are serialised there.
 * - `tx_idempotency-<uuid>`: claims of Idempotency-Keys, by the SHA-256 of the key (never the key).
 */
import { z } from "zod";
import { ActorSchema } from "./actor.js";
import { defineEvent, eventReader, type EventsOf } from "./define.js";

const wei = z.string().regex(/^\d+$/);
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/);
const hex = z.string().regex(/^0x[0-9a-fA-F]*$/);
const place = { tx_id: z.uuid(), agent_id: z.uuid(), org_id: z.uuid() };

export const TransactionSubmitted = defineEvent("TransactionSubmitted", z.object({
  ...place,
  /** "submit": sign and broadcast; "sign": sign only, the caller broadcasts. */
  mode: z.enum(["submit", "sign"]),
  chain: z.string(),
  chain_id: z.number().int(),
  to: address,
  value_wei: wei,
  data: hex.nullable(),
  gas_limit: z.number().int().positive(),
  gas_price: wei.nullable(),
  max_fee_per_gas: wei.nullable(),
  max_priority_fee_per_gas: wei.nullable(),
  /** Only when the caller chose it; otherwise the ledger assigns one. */
  nonce: z.number().int().nonnegative().nullable(),
  simulate_first: z.boolean(),
  signing_key_path: z.string(),
  /** SHA-256 hex of the Idempotency-Key, when one was sent. */
  idempotency_key_hash: z.string().regex(/^[0-9a-f]{64}$/).nullable(),
  submitted_by: ActorSchema,
}));

export const TransactionSimulated = defineEvent("TransactionSimulated", z.object({
  ...place,
  simulation_id: z.uuid(),
  status: z.enum(["success", "reverted", "error"]),
  gas_used: z.number().int().nonnegative().nullable(),
  revert_reason: z.string().max(2000).nullable(),
  error: z.string().max(2000).nullable(),
}));

/** A guardrail refused it: nothing was signed. */
export const TransactionRejected = defineEvent("TransactionRejected", z.object({
  ...place,
  guardrail: z.enum(["tx_to_allowlist", "tx_max_value", "tx_daily_limit", "tx_allowed_chains"]),
  reason: z.string().max(2000),
}));

export const TransactionSigned = defineEvent("TransactionSigned", z.object({
  ...place,
  from: address,
  nonce: z.number().int().nonnegative(),
  tx_type: z.enum(["legacy", "eip1559"]),
  gas_limit: z.number().int().positive(),
  gas_price: wei.nullable(),
  max_fee_per_gas: wei.nullable(),
  max_priority_fee_per_gas: wei.nullable(),
  signed_tx: hex,
  tx_hash: z.string().regex(/^0x[0-9a-f]{64}$/),
  /** The secret version whose key signed (its read is a SecretValueRead of that version). */
  signing_key_version: z.number().int().positive(),
}));

export const TransactionBroadcast = defineEvent("TransactionBroadcast", z.object({
  ...place, tx_hash: z.string().regex(/^0x[0-9a-f]{64}$/),
}));

/** Mined with a successful receipt. */
export const TransactionConfirmed = defineEvent("TransactionConfirmed", z.object({
  ...place, block_number: z.number().int().nonnegative(), gas_used: z.number().int().nonnegative(),
}));

/** It stopped here: the simulation reverted, signing or broadcasting failed, or it was mined and reverted. */
export const TransactionFailed = defineEvent("TransactionFailed", z.object({
  ...place,
  stage: z.enum(["simulation", "signing", "broadcast", "execution"]),
  error: z.string().max(2000),
}));

export const transactionEvents = [
  TransactionSubmitted, TransactionSimulated, TransactionRejected, TransactionSigned, TransactionBroadcast,
  TransactionConfirmed, TransactionFailed,
] as const;
export type TransactionEvent = EventsOf<typeof transactionEvents>;
export const readTransactionEvent = eventReader(transactionEvents);

/** The ledger reserved the value against the agent's limits and gave the transaction its nonce. */
export const TransactionAuthorized = defineEvent("TransactionAuthorized", z.object({
  ...place,
  chain: z.string(),
  chain_id: z.number().int(),
  from: address,
  nonce: z.number().int().nonnegative(),
  value_wei: wei,
  /** When the value starts counting toward the rolling 24 h limit. */
  authorized_at: z.iso.datetime({ offset: true }),
}));

/** Nothing reached the chain (the broadcast failed): the value no longer counts and the nonce is free again. */
export const TransactionAuthorizationVoided = defineEvent("TransactionAuthorizationVoided", z.object({
  ...place, reason: z.string().max(2000),
}));

export const intentsLedgerEvents = [TransactionAuthorized, TransactionAuthorizationVoided] as const;
export type IntentsLedgerEvent = EventsOf<typeof intentsLedgerEvents>;
export const readIntentsLedgerEvent = eventReader(intentsLedgerEvents);

export const IdempotencyKeyClaimed = defineEvent("IdempotencyKeyClaimed", z.object({
  agent_id: z.uuid(),
  org_id: z.uuid(),
  key_hash: z.string().regex(/^[0-9a-f]{64}$/),
  tx_id: z.uuid(),
  claimed_at: z.iso.datetime({ offset: true }),
}));

export const idempotencyEvents = [IdempotencyKeyClaimed] as const;
export type IdempotencyEvent = EventsOf<typeof idempotencyEvents>;
export const readIdempotencyEvent = eventReader(idempotencyEvents);
