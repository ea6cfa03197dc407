import { randomUUID } from "node:crypto";
import {
  TransactionBroadcast, TransactionConfirmed, TransactionFailed, TransactionRejected, TransactionSigned, TransactionSimulated,
  TransactionSubmitted,
} from "../../events/transaction.js";
import { transactionsProjection } from "../../projections/transactions.js";
import { describeProjection, fact } from "../support/projection-spec.js";

const [agent, org, simulation] = [randomUUID(), randomUUID(), randomUUID()];
const to = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const from = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const hash = `0x${"cd".repeat(32)}`;
const submitted = (txId: string, mode: "submit" | "sign" = "submit", extra: Partial<Parameters<typeof TransactionSubmitted.of>[0]> = {}) =>
  TransactionSubmitted.of({ tx_id: txId, agent_id: agent, org_id: org, mode, chain: "base", chain_id: 8453, to, value_wei: "5", data: null,
    gas_limit: 21000, gas_price: null, max_fee_per_gas: "30", max_priority_fee_per_gas: "2", nonce: null, simulate_first: true,
    signing_key_path: "keys/base-signer", idempotency_key_hash: null, submitted_by: { type: "agent", id: agent }, ...extra });
const signed = (txId: string) => TransactionSigned.of({ tx_id: txId, agent_id: agent, org_id: org, from, nonce: 4, tx_type: "eip1559",
  gas_limit: 21000, gas_price: null, max_fee_per_gas: "30", max_priority_fee_per_gas: "2", signed_tx: "0x02f8", tx_hash: hash,
  signing_key_version: 1 });
const place = (txId: string) => ({ tx_id: txId, agent_id: agent, org_id: org });

describe("transactions read model", () => {
  const spec = describeProjection(transactionsProjection);

  it("follows a transaction from submission to confirmation", async () => {
    const tx = randomUUID();
    await (await spec().given(
      fact(submitted(tx), { at: new Date("2026-01-01T00:00:00Z") }),
      TransactionSimulated.of({ ...place(tx), simulation_id: simulation, status: "success", gas_used: 21000, revert_reason: null, error: null }),
      fact(signed(tx), { at: new Date("2026-01-01T00:00:02Z") }),
      TransactionBroadcast.of({ ...place(tx), tx_hash: hash }),
      fact(TransactionConfirmed.of({ ...place(tx), block_number: 12, gas_used: 21000 }), { at: new Date("2026-01-01T00:00:14Z") }),
    )).expectRows(`select id, status, chain, chain_id::text, to_address, value_wei, from_address, nonce::text, signed_tx, tx_hash, simulation_id,
                     simulation_status, max_fee_per_gas, block_number::text, created_at, signed_at, confirmed_at from transactions`, [
      { id: tx, status: "broadcast", chain: "base", chain_id: "8453", to_address: to, value_wei: "5", from_address: from, nonce: "4",
        signed_tx: "0x02f8", tx_hash: hash, simulation_id: simulation, simulation_status: "success", max_fee_per_gas: "30",
        block_number: "12", created_at: new Date("2026-01-01T00:00:00Z"), signed_at: new Date("2026-01-01T00:00:02Z"),
        confirmed_at: new Date("2026-01-01T00:00:14Z") },
    ]);
  });

  it("shows sign-only, refused, reverted in simulation and failed transactions with their reason", async () => {
    const [signOnly, refused, reverted, dropped] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    await (await spec().given(
      submitted(signOnly, "sign"), signed(signOnly),
      submitted(refused), TransactionRejected.of({ ...place(refused), guardrail: "tx_max_value", reason: "value 5 ETH exceeds 1 ETH" }),
      submitted(reverted), TransactionFailed.of({ ...place(reverted), stage: "simulation", error: "the transaction would revert: nope" }),
      submitted(dropped), signed(dropped), TransactionFailed.of({ ...place(dropped), stage: "broadcast", error: "nonce too low" }),
    )).expectRows(`select status, error_message, signed_tx is not null as signed from transactions order by created_at`, [
      { status: "sign_only", error_message: null, signed: true },
      { status: "failed", error_message: "guardrail tx_max_value: value 5 ETH exceeds 1 ETH", signed: false },
      { status: "simulation_failed", error_message: "the transaction would revert: nope", signed: false },
      { status: "failed", error_message: "nonce too low", signed: true },
    ]);
  });
});
