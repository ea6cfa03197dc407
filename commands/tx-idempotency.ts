/**
 * Idempotency-Keys of the Intents API (`tx_idempotency-<id>`, the id derived from the agent and the key's
 * SHA-256): the first request with a key claims it for a transaction id; for 24 h every later request with
 * that key is answered from that transaction. Claims race on one stream, so exactly one request proceeds.
 */
import { IdempotencyKeyClaimed, readIdempotencyEvent, type IdempotencyEvent } from "../events/transaction.js";
import { defineAggregate } from "./aggregate.js";
import type { Decider } from "./decider.js";
import { DAY_MS } from "./intents-ledger.js";

export interface ClaimIdempotencyKey {
  type: "ClaimIdempotencyKey";
  agentId: string;
  orgId: string;
  keyHash: string;
  /** The transaction this request would create. */
  txId: string;
}

/** The transaction the key belongs to, and since when; absent when unclaimed or the claim is over 24 h old. */
export type IdempotencyState = { claim?: { txId: string; at: Date } };

export const idempotencyDecider: Decider<ClaimIdempotencyKey, IdempotencyState, IdempotencyEvent> = {
  initialState: {},
  evolve: (_state, event) => ({ claim: { txId: event.data.tx_id, at: new Date(event.data.claimed_at) } }),
  decide(command, state, now) {
    if (state.claim && now.getTime() - state.claim.at.getTime() < DAY_MS) return [];
    return [IdempotencyKeyClaimed.of({ agent_id: command.agentId, org_id: command.orgId, key_hash: command.keyHash,
      tx_id: command.txId, claimed_at: now.toISOString() })];
  },
};

/** The transaction a decided claim stands for: the request's own, or the earlier one it replays. */
export function claimedTransaction(state: IdempotencyState): string | undefined {
  return state.claim?.txId;
}

export const idempotencyAggregate = defineAggregate("tx_idempotency", idempotencyDecider, readIdempotencyEvent);
