/** Reads of the transactions read model (projections/transactions.ts). */
import type { Queryable } from "../db/database.js";
import { rowDate, rowOptionalDate } from "../db/rows.js";

export interface TransactionRow {
  id: string;
  agentId: string;
  chain: string;
  chainId: number;
  to: string;
  valueWei: string;
  status: string;
  fromAddress: string | null;
  nonce: number | null;
  signedTx: string | null;
  txHash: string | null;
  errorMessage: string | null;
  simulationId: string | null;
  simulationStatus: string | null;
  maxFeePerGas: string | null;
  maxPriorityFeePerGas: string | null;
  blockNumber: number | null;
  createdAt: Date;
  signedAt: Date | null;
  confirmedAt: Date | null;
}

const SELECT = `select id, agent_id, chain, chain_id, to_address, value_wei, status, from_address, nonce, signed_tx, tx_hash,
  error_message, simulation_id, simulation_status, max_fee_per_gas, max_priority_fee_per_gas, block_number, created_at,
  signed_at, confirmed_at from transactions`;

type Row = Record<string, unknown>;
const num = (value: unknown) => (value === null || value === undefined ? null : Number(value));

function toRow(r: Row): TransactionRow {
  return {
    id: r.id as string, agentId: r.agent_id as string, chain: r.chain as string, chainId: Number(r.chain_id), to: r.to_address as string,
    valueWei: r.value_wei as string, status: r.status as string, fromAddress: r.from_address as string | null, nonce: num(r.nonce),
    signedTx: r.signed_tx as string | null, txHash: r.tx_hash as string | null, errorMessage: r.error_message as string | null,
    simulationId: r.simulation_id as string | null, simulationStatus: r.simulation_status as string | null,
    maxFeePerGas: r.max_fee_per_gas as string | null, maxPriorityFeePerGas: r.max_priority_fee_per_gas as string | null,
    blockNumber: num(r.block_number), createdAt: rowDate(r.created_at as Date | string),
    signedAt: rowOptionalDate(r.signed_at as Date | string | null), confirmedAt: rowOptionalDate(r.confirmed_at as Date | string | null),
  };
}

/** The agent's transactions, newest first. */
export async function listAgentTransactions(db: Queryable, agentId: string, limit = 500): Promise<TransactionRow[]> {
  const { rows } = await db.query<Row>(`${SELECT} where agent_id = $1 order by created_at desc, id limit $2`, [agentId, limit]);
  return rows.map(toRow);
}

export async function findAgentTransaction(db: Queryable, agentId: string, txId: string): Promise<TransactionRow | undefined> {
  const row = (await db.query<Row>(`${SELECT} where agent_id = $1 and id = $2`, [agentId, txId])).rows[0];
  return row && toRow(row);
}
