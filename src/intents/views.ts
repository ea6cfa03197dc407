/**
 * A transaction as the API shows it (`TransactionResponse`), from its aggregate's state (the answer of the
 * request that moved it) or from the read model (lists and reads). `signed_tx` is in it only when asked for.
 */
import type { TransactionState } from "../../commands/transaction.js";
import type { TransactionRow } from "./queries.js";

type Status = "pending" | "signed" | "sign_only" | "broadcast" | "failed" | "simulation_failed";

export interface TransactionBody {
  id: string;
  agent_id: string;
  chain: string;
  chain_id: number;
  to: string;
  value_wei: string;
  status: Status;
  signed_tx?: string | null;
  tx_hash?: string;
  error_message?: string;
  created_at: string;
  signed_at?: string;
  simulation_id?: string;
  simulation_status?: string;
  max_fee_per_gas?: string;
  max_priority_fee_per_gas?: string;
  from?: string;
  nonce?: number;
  block_number?: number;
  confirmed_at?: string;
  /** On a 422: why, as problem answers say it. */
  detail?: string;
}

function statusOf(state: Exclude<TransactionState, { stage: "absent" }>): Status {
  switch (state.stage) {
    case "submitted": return "pending";
    case "rejected": return "failed";
    case "signed": return state.submitted.mode === "sign" ? "sign_only" : "signed";
    case "broadcast": case "confirmed": return "broadcast";
    case "failed": return state.failure?.stage === "simulation" ? "simulation_failed" : "failed";
  }
}

export function transactionBody(state: TransactionState, includeSignedTx: boolean): TransactionBody {
  if (state.stage === "absent") throw new Error("transactionBody: no such transaction");
  const { submitted: s, signed, simulation } = state;
  const error = state.rejection ? `guardrail ${state.rejection.guardrail}: ${state.rejection.reason}` : state.failure?.error;
  return {
    id: s.tx_id, agent_id: s.agent_id, chain: s.chain, chain_id: s.chain_id, to: s.to, value_wei: s.value_wei, status: statusOf(state),
    ...(includeSignedTx && { signed_tx: signed?.signed_tx ?? null }),
    ...(signed && { tx_hash: signed.tx_hash, from: signed.from, nonce: signed.nonce }),
    ...(error && { error_message: error }),
    created_at: (state.submittedAt ?? new Date(0)).toISOString(),
    ...(state.signedAt && { signed_at: state.signedAt.toISOString() }),
    ...(simulation && { simulation_id: simulation.simulation_id, simulation_status: simulation.status }),
    ...((signed?.max_fee_per_gas ?? s.max_fee_per_gas) && { max_fee_per_gas: (signed?.max_fee_per_gas ?? s.max_fee_per_gas)! }),
    ...((signed?.max_priority_fee_per_gas ?? s.max_priority_fee_per_gas) &&
      { max_priority_fee_per_gas: (signed?.max_priority_fee_per_gas ?? s.max_priority_fee_per_gas)! }),
    ...(state.confirmation && { block_number: state.confirmation.blockNumber }),
    ...(state.confirmedAt && { confirmed_at: state.confirmedAt.toISOString() }),
  };
}

export function transactionRowBody(row: TransactionRow, includeSignedTx: boolean): TransactionBody {
  return {
    id: row.id, agent_id: row.agentId, chain: row.chain, chain_id: row.chainId, to: row.to, value_wei: row.valueWei,
    status: row.status as Status,
    ...(includeSignedTx && { signed_tx: row.signedTx }),
    ...(row.txHash && { tx_hash: row.txHash }),
    ...(row.fromAddress && { from: row.fromAddress }),
    ...(row.nonce !== null && { nonce: row.nonce }),
    ...(row.errorMessage && { error_message: row.errorMessage }),
    created_at: row.createdAt.toISOString(),
    ...(row.signedAt && { signed_at: row.signedAt.toISOString() }),
    ...(row.simulationId && { simulation_id: row.simulationId, simulation_status: row.simulationStatus ?? undefined }),
    ...(row.maxFeePerGas && { max_fee_per_gas: row.maxFeePerGas }),
    ...(row.maxPriorityFeePerGas && { max_priority_fee_per_gas: row.maxPriorityFeePerGas }),
    ...(row.blockNumber !== null && { block_number: row.blockNumber }),
    ...(row.confirmedAt && { confirmed_at: row.confirmedAt.toISOString() }),
  };
}
