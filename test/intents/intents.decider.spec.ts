/** The Intents API's deciders, given events / when command / then events: a transaction, the agent's ledger, replays. */
import { expect } from "chai";
import { fold } from "../../commands/decider.js";
import {
  AuthorizationNotFound, GuardrailViolation, intentsLedgerDecider, nextNonce, spentInLastDay, type AuthorizeTransaction,
  type Guardrails,
} from "../../commands/intents-ledger.js";
import { ethToWei, weiToEth, AmountInvalid } from "../../commands/rules/eth-amount.js";
import { TransactionStepRefused, transactionDecider, TransactionNotFound, isSettled } from "../../commands/transaction.js";
import { idempotencyDecider } from "../../commands/tx-idempotency.js";
import {
  IdempotencyKeyClaimed, TransactionAuthorizationVoided, TransactionAuthorized, TransactionBroadcast, TransactionConfirmed,
  TransactionFailed, TransactionRejected, TransactionSigned, TransactionSimulated, TransactionSubmitted,
} from "../../events/transaction.js";
import { specFor } from "../support/decider.js";

const ids = { txId: "7a1d2a7e-0000-4000-8000-000000000001", agentId: "7a1d2a7e-0000-4000-8000-000000000002",
  orgId: "7a1d2a7e-0000-4000-8000-000000000003" };
const place = { tx_id: ids.txId, agent_id: ids.agentId, org_id: ids.orgId };
const from = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const to = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const hash = `0x${"ab".repeat(32)}`;
const now = new Date("2026-01-02T00:00:00Z");

describe("transaction decider", () => {
  const spec = specFor(transactionDecider, () => now);
  const submittedData = (simulateFirst: boolean, mode: "submit" | "sign" = "submit") => ({
    mode, chain: "localhost", chain_id: 31337, to, value_wei: "1000", data: null, gas_limit: 21000, gas_price: "1", max_fee_per_gas: null,
    max_priority_fee_per_gas: null, nonce: null, simulate_first: simulateFirst, signing_key_path: "keys/localhost-signer",
    idempotency_key_hash: null, submitted_by: { type: "agent" as const, id: ids.agentId } });
  const submitted = (simulateFirst = true, mode: "submit" | "sign" = "submit") =>
    TransactionSubmitted.of({ ...place, ...submittedData(simulateFirst, mode) });
  const simulated = (status: "success" | "reverted") => TransactionSimulated.of({ ...place, simulation_id: ids.orgId, status,
    gas_used: 21000, revert_reason: status === "reverted" ? "nope" : null, error: null });
  const signature = { from, nonce: 3, tx_type: "legacy" as const, gas_limit: 21000, gas_price: "1", max_fee_per_gas: null,
    max_priority_fee_per_gas: null, signed_tx: "0x02", tx_hash: hash, signing_key_version: 1 };
  const signed = TransactionSigned.of({ ...place, ...signature });
  const sign = { type: "RecordSignature" as const, ...ids, signed: signature };

  it("starts with a submission, once", () => {
    spec.given().when({ type: "SubmitTransaction", ...ids, submitted: submittedData(true) }).then(submitted());
    spec.given(submitted()).when({ type: "SubmitTransaction", ...ids, submitted: submittedData(true) }).thenThrows(TransactionStepRefused);
    spec.given().when(sign).thenThrows(TransactionNotFound);
  });

  it("signs after a successful simulation, never after a revert or without one when simulate_first", () => {
    spec.given(submitted(), simulated("success")).when(sign).then(signed);
    spec.given(submitted(), simulated("reverted")).when(sign).thenThrows(TransactionStepRefused);
    spec.given(submitted()).when(sign).thenThrows(TransactionStepRefused);
    spec.given(submitted(false)).when(sign).then(signed);
  });

  it("records a guardrail's refusal, after which nothing is signed", () => {
    const rejected = TransactionRejected.of({ ...place, guardrail: "tx_daily_limit", reason: "over" });
    spec.given(submitted()).when({ type: "RejectTransaction", ...ids, guardrail: "tx_daily_limit", reason: "over" }).then(rejected);
    spec.given(submitted(false), rejected).when(sign).thenThrows(TransactionStepRefused);
  });

  it("broadcasts only what it signed for broadcasting, then confirms or fails in execution", () => {
    const broadcast = TransactionBroadcast.of({ ...place, tx_hash: hash });
    spec.given(submitted(false), signed).when({ type: "RecordBroadcast", ...ids, txHash: hash }).then(broadcast);
    spec.given(submitted(false, "sign"), signed).when({ type: "RecordBroadcast", ...ids, txHash: hash }).thenThrows(TransactionStepRefused);
    spec.given(submitted(false), signed, broadcast).when({ type: "RecordConfirmation", ...ids, blockNumber: 9, gasUsed: 21000 })
      .then(TransactionConfirmed.of({ ...place, block_number: 9, gas_used: 21000 }));
    spec.given(submitted(false), signed, broadcast).when({ type: "RecordFailure", ...ids, stage: "execution", error: "reverted" })
      .then(TransactionFailed.of({ ...place, stage: "execution", error: "reverted" }));
    spec.given(submitted(false), signed).when({ type: "RecordConfirmation", ...ids, blockNumber: 9, gasUsed: 1 }).thenThrows(TransactionStepRefused);
  });

  it("is settled once it got as far as it goes without us", () => {
    expect(isSettled(fold(transactionDecider, [submitted(false)]))).to.equal(false);
    expect(isSettled(fold(transactionDecider, [submitted(false), signed]))).to.equal(false);
    expect(isSettled(fold(transactionDecider, [submitted(false, "sign"), signed]))).to.equal(true);
    expect(isSettled(fold(transactionDecider, [submitted(false), signed, TransactionBroadcast.of({ ...place, tx_hash: hash })]))).to.equal(true);
  });
});

describe("intents ledger decider", () => {
  let clock = now;
  const spec = specFor(intentsLedgerDecider, () => clock);
  const open: Guardrails = { toAllowlist: [], maxValueEth: null, dailyLimitEth: null, allowedChains: [] };
  const authorize = (txId: string, valueEth: string, guardrails: Partial<Guardrails> = {}, extra: Partial<AuthorizeTransaction> = {}):
    AuthorizeTransaction => ({ type: "AuthorizeTransaction", ...ids, txId, chain: "localhost", chainId: 31337, to,
    valueWei: ethToWei(valueEth), from, guardrails: { ...open, ...guardrails }, nonce: null, chainPendingNonce: 0, ...extra });
  const authorized = (txId: string, valueEth: string, nonce: number, at: Date) => TransactionAuthorized.of({ ...place, tx_id: txId,
    chain: "localhost", chain_id: 31337, from, nonce, value_wei: ethToWei(valueEth).toString(), authorized_at: at.toISOString() });
  const tx = (n: number) => `7a1d2a7e-0000-4000-8000-0000000001${String(n).padStart(2, "0")}`;
  beforeEach(() => { clock = now; });

  it("hands out consecutive nonces, never behind the chain, and an explicit one as given", () => {
    spec.given().when(authorize(tx(1), "0.1")).then(authorized(tx(1), "0.1", 0, now));
    spec.given(authorized(tx(1), "0.1", 0, now)).when(authorize(tx(2), "0.1")).then(authorized(tx(2), "0.1", 1, now));
    spec.given(authorized(tx(1), "0.1", 0, now)).when(authorize(tx(2), "0.1", {}, { chainPendingNonce: 5 }))
      .then(authorized(tx(2), "0.1", 5, now));
    spec.given().when(authorize(tx(1), "0.1", {}, { nonce: 42 })).then(authorized(tx(1), "0.1", 42, now));
    spec.given(authorized(tx(1), "0.1", 0, now)).when(authorize(tx(1), "0.1")).then();
  });

  it("frees a voided authorisation's value and nonce", () => {
    const voided = TransactionAuthorizationVoided.of({ ...place, tx_id: tx(2), reason: "refused" });
    const state = fold(intentsLedgerDecider, [authorized(tx(1), "0.4", 0, now), authorized(tx(2), "0.5", 1, now), voided]);
    expect(nextNonce(state, 31337, from, 0)).to.equal(1);
    expect(spentInLastDay(state, now)).to.equal(ethToWei("0.4"));
    spec.given(authorized(tx(1), "0.4", 0, now)).when({ type: "VoidAuthorization", ...ids, txId: tx(1), reason: "refused" })
      .then(TransactionAuthorizationVoided.of({ ...place, tx_id: tx(1), reason: "refused" }));
    spec.given().when({ type: "VoidAuthorization", ...ids, txId: tx(1), reason: "x" }).thenThrows(AuthorizationNotFound);
  });

  it("refuses a destination off the allowlist (any case), a value over the maximum, a chain not allowed", () => {
    spec.given().when(authorize(tx(1), "0.1", { toAllowlist: [from] })).thenThrows(GuardrailViolation);
    spec.given().when(authorize(tx(1), "0.1", { toAllowlist: [to.toLowerCase()] })).then(authorized(tx(1), "0.1", 0, now));
    spec.given().when(authorize(tx(1), "1.01", { maxValueEth: "1" })).thenThrows(GuardrailViolation);
    spec.given().when(authorize(tx(1), "1", { maxValueEth: "1" })).then(authorized(tx(1), "1", 0, now));
    spec.given().when(authorize(tx(1), "0.1", { allowedChains: ["base"] })).thenThrows(GuardrailViolation);
    spec.given().when(authorize(tx(1), "0.1", { allowedChains: ["31337"] })).then(authorized(tx(1), "0.1", 0, now));
  });

  it("keeps the daily limit over a rolling 24 h: what was authorised exactly 24 h ago no longer counts", () => {
    const history = [authorized(tx(1), "0.6", 0, new Date(now.getTime() - 24 * 3600_000 + 1000))];
    spec.given(...history).when(authorize(tx(2), "0.5", { dailyLimitEth: "1" })).thenThrows(GuardrailViolation);
    spec.given(...history).when(authorize(tx(2), "0.4", { dailyLimitEth: "1" })).then(authorized(tx(2), "0.4", 1, now));
    clock = new Date(now.getTime() + 1000);
    spec.given(...history).when(authorize(tx(2), "0.5", { dailyLimitEth: "1" })).then(authorized(tx(2), "0.5", 1, clock));
  });

  it("names the guardrail in the refusal", () => {
    expect(() => intentsLedgerDecider.decide(authorize(tx(1), "2", { dailyLimitEth: "1" }), intentsLedgerDecider.initialState, now))
      .to.throw(GuardrailViolation, "tx_daily_limit");
  });
});

describe("Idempotency-Key decider", () => {
  const spec = specFor(idempotencyDecider, () => now);
  const claim = { type: "ClaimIdempotencyKey" as const, agentId: ids.agentId, orgId: ids.orgId, keyHash: "c".repeat(64), txId: ids.txId };
  const claimed = (txId: string, at: Date) => IdempotencyKeyClaimed.of({ agent_id: ids.agentId, org_id: ids.orgId, key_hash: "c".repeat(64),
    tx_id: txId, claimed_at: at.toISOString() });
  it("claims an unused key for the request's transaction", () => spec.given().when(claim).then(claimed(ids.txId, now)));
  it("keeps a claim for 24 h, then lets the key be used again", () => {
    spec.given(claimed(ids.agentId, new Date(now.getTime() - 3600_000))).when(claim).then();
    spec.given(claimed(ids.agentId, new Date(now.getTime() - 24 * 3600_000))).when(claim).then(claimed(ids.txId, now));
  });
});

describe("ETH amounts", () => {
  it("converts decimal ETH to wei exactly, and back", () => {
    expect(ethToWei("1.5")).to.equal(1_500_000_000_000_000_000n);
    expect(ethToWei("0.000000000000000001")).to.equal(1n);
    expect(weiToEth(1_500_000_000_000_000_000n)).to.equal("1.5");
    expect(weiToEth(-1n)).to.equal("-0.000000000000000001");
    expect(() => ethToWei("0.0000000000000000001")).to.throw(AmountInvalid);
    expect(() => ethToWei("1e3")).to.throw(AmountInvalid);
  });
});
