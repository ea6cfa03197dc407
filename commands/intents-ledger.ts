/**
 * An agent's Intents ledger (`intents-<agent id>`): every transaction the agent's key signs is first
 * authorised here. The decision checks the guardrails a human set on the agent against the agent's own
 * history (the rolling 24 h spend) and hands out the nonce, so that two concurrent submissions cannot both
 * pass a limit only one fits, nor get the same nonce: they race to append at the same revision and the loser
 * decides again on the newer state.
 */
import {
  readIntentsLedgerEvent, TransactionAuthorizationVoided, TransactionAuthorized, type IntentsLedgerEvent,
} from "../events/transaction.js";
import { defineAggregate } from "./aggregate.js";
import type { Decider } from "./decider.js";
import { Forbidden, NotFound } from "./errors.js";
import { ethToWei, weiToEth } from "./rules/eth-amount.js";

export const DAY_MS = 24 * 60 * 60 * 1000;

export type GuardrailName = "tx_to_allowlist" | "tx_max_value" | "tx_daily_limit" | "tx_allowed_chains";

/** A guardrail refused the transaction; `detail` names it, as agents are told to read it. */
export class GuardrailViolation extends Forbidden {
  constructor(readonly guardrail: GuardrailName, reason: string) {
    super(`guardrail ${guardrail}: ${reason}`);
    this.name = "GuardrailViolation";
  }
}

export class AuthorizationNotFound extends NotFound {
  constructor(txId: string) {
    super(`transaction ${txId} was never authorised`);
    this.name = "AuthorizationNotFound";
  }
}

/** The limits a human set on the agent, as stored on it (decimal ETH, null: unlimited; empty lists: anything). */
export interface Guardrails {
  toAllowlist: readonly string[];
  maxValueEth: string | null;
  dailyLimitEth: string | null;
  allowedChains: readonly string[];
}

export interface TransactionIntent {
  txId: string;
  agentId: string;
  orgId: string;
  chain: string;
  chainId: number;
  to: string;
  valueWei: bigint;
}

export interface AuthorizeTransaction extends TransactionIntent {
  type: "AuthorizeTransaction";
  from: string;
  guardrails: Guardrails;
  /** The caller's explicit nonce, if any: it overrides. */
  nonce: number | null;
  /** The chain's pending transaction count for `from`, when the chain has an RPC to ask. */
  chainPendingNonce: number | null;
}

export interface VoidAuthorization {
  type: "VoidAuthorization";
  txId: string;
  agentId: string;
  orgId: string;
  reason: string;
}

export type IntentsLedgerCommand = AuthorizeTransaction | VoidAuthorization;

interface Authorization {
  txId: string;
  /** `chainId:from` (lower case). */
  account: string;
  nonce: number;
  valueWei: bigint;
  at: Date;
}

export interface IntentsLedgerState {
  /** Authorisations of the last 24 h before the latest one, still counting (not voided). */
  recent: readonly Authorization[];
  /** Every transaction id ever authorised (for voids and for refusing a second authorisation). */
  authorized: ReadonlySet<string>;
  /** Per account, the highest nonce among authorisations that left the 24 h window. */
  olderNonces: ReadonlyMap<string, number>;
}

export const initialLedgerState: IntentsLedgerState = { recent: [], authorized: new Set(), olderNonces: new Map() };

const accountOf = (chainId: number, from: string) => `${chainId}:${from.toLowerCase()}`;

/** The value authorised in the 24 h up to `now` (a value authorised exactly 24 h ago no longer counts). */
export function spentInLastDay(state: IntentsLedgerState, now: Date): bigint {
  const since = now.getTime() - DAY_MS;
  return state.recent.reduce((sum, a) => (a.at.getTime() > since ? sum + a.valueWei : sum), 0n);
}

/** The next nonce of an account: after every nonce we handed out, and never behind the chain. */
export function nextNonce(state: IntentsLedgerState, chainId: number, from: string, chainPending: number | null): number {
  const account = accountOf(chainId, from);
  let highest = state.olderNonces.get(account) ?? -1;
  for (const a of state.recent) if (a.account === account && a.nonce > highest) highest = a.nonce;
  return Math.max(highest + 1, chainPending ?? 0);
}

/** The nonce the ledger gave a transaction it authorised (within the last 24 h). */
export function authorizedNonce(state: IntentsLedgerState, txId: string): number | undefined {
  return state.recent.find((a) => a.txId === txId)?.nonce;
}

/** The guardrails' verdict; also used before simulation, so a forbidden transaction costs no RPC call. */
export function checkGuardrails(state: IntentsLedgerState, intent: Omit<TransactionIntent, "txId" | "agentId" | "orgId">,
  guardrails: Guardrails, now: Date): void {
  const { toAllowlist, maxValueEth, dailyLimitEth, allowedChains } = guardrails;
  if (allowedChains.length > 0 && !allowedChains.some((c) => c.toLowerCase() === intent.chain.toLowerCase()
    || c === String(intent.chainId))) {
    throw new GuardrailViolation("tx_allowed_chains", `chain ${intent.chain} is not among the agent's allowed chains`);
  }
  if (toAllowlist.length > 0 && !toAllowlist.some((a) => a.toLowerCase() === intent.to.toLowerCase())) {
    throw new GuardrailViolation("tx_to_allowlist", `destination ${intent.to} is not on the agent's allowlist`);
  }
  if (maxValueEth !== null) {
    const max = ethToWei(maxValueEth, "tx_max_value");
    if (intent.valueWei > max) {
      throw new GuardrailViolation("tx_max_value",
        `value ${weiToEth(intent.valueWei)} ETH exceeds the per-transaction maximum of ${weiToEth(max)} ETH`);
    }
  }
  if (dailyLimitEth !== null) {
    const limit = ethToWei(dailyLimitEth, "tx_daily_limit");
    const spent = spentInLastDay(state, now);
    if (spent + intent.valueWei > limit) {
      throw new GuardrailViolation("tx_daily_limit", `value ${weiToEth(intent.valueWei)} ETH would bring the last 24 h ` +
        `to ${weiToEth(spent + intent.valueWei)} ETH, over the daily limit of ${weiToEth(limit)} ETH ` +
        `(${weiToEth(spent)} ETH already spent)`);
    }
  }
}

export const intentsLedgerDecider: Decider<IntentsLedgerCommand, IntentsLedgerState, IntentsLedgerEvent> = {
  initialState: initialLedgerState,

  evolve(state, event) {
    if (event.type === "TransactionAuthorized") {
      const d = event.data;
      const at = new Date(d.authorized_at);
      const horizon = at.getTime() - DAY_MS;
      // Time only moves forward: what fell out of the window before this authorisation never counts again.
      const olderNonces = new Map(state.olderNonces);
      const recent: Authorization[] = [];
      for (const a of state.recent) {
        if (a.at.getTime() > horizon) recent.push(a);
        else olderNonces.set(a.account, Math.max(olderNonces.get(a.account) ?? -1, a.nonce));
      }
      recent.push({ txId: d.tx_id, account: accountOf(d.chain_id, d.from), nonce: d.nonce, valueWei: BigInt(d.value_wei), at });
      return { recent, authorized: new Set(state.authorized).add(d.tx_id), olderNonces };
    }
    return { ...state, recent: state.recent.filter((a) => a.txId !== event.data.tx_id) };
  },

  decide(command, state, now) {
    if (command.type === "VoidAuthorization") {
      if (!state.authorized.has(command.txId)) throw new AuthorizationNotFound(command.txId);
      if (!state.recent.some((a) => a.txId === command.txId)) return [];
      return [TransactionAuthorizationVoided.of({
        tx_id: command.txId, agent_id: command.agentId, org_id: command.orgId, reason: command.reason,
      })];
    }
    if (state.authorized.has(command.txId)) return [];
    checkGuardrails(state, command, command.guardrails, now);
    return [TransactionAuthorized.of({
      tx_id: command.txId, agent_id: command.agentId, org_id: command.orgId, chain: command.chain, chain_id: command.chainId,
      from: command.from, value_wei: command.valueWei.toString(), authorized_at: now.toISOString(),
      nonce: command.nonce ?? nextNonce(state, command.chainId, command.from, command.chainPendingNonce),
    })];
  },
};

export const intentsLedgerAggregate = defineAggregate("intents", intentsLedgerDecider, readIntentsLedgerEvent);
