/**
 * The transactions read model: what the Intents API's list and detail show, one row per transaction,
 * following its steps. `signed_tx` is kept for `include_signed_tx=true`; the signing key never reaches here.
 */
import {
  TransactionBroadcast, TransactionConfirmed, TransactionFailed, TransactionRejected, TransactionSigned, TransactionSimulated,
  TransactionSubmitted,
} from "../events/transaction.js";
import { occurredAt } from "../events/recorded.js";
import { on, projection } from "./projection.js";

export const transactionsProjection = projection({
  name: "transactions",
  version: 1,
  tables: ["transactions"],
  schema: `
    create table transactions (
      id uuid primary key,
      agent_id uuid not null,
      org_id uuid not null,
      mode text not null,
      chain text not null,
      chain_id bigint not null,
      to_address text not null,
      value_wei text not null,
      status text not null,
      from_address text,
      nonce bigint,
      signed_tx text,
      tx_hash text,
      error_message text,
      simulation_id uuid,
      simulation_status text,
      max_fee_per_gas text,
      max_priority_fee_per_gas text,
      gas_price text,
      block_number bigint,
      created_at timestamptz not null,
      signed_at timestamptz,
      confirmed_at timestamptz
    );
    create index transactions_agent on transactions (agent_id, created_at desc);`,
  handlers: [
    on(TransactionSubmitted, async (event, tx) => {
      const d = event.data;
      await tx.query(
        `insert into transactions (id, agent_id, org_id, mode, chain, chain_id, to_address, value_wei, status, max_fee_per_gas,
           max_priority_fee_per_gas, gas_price, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $10, $11, $12)`,
        [d.tx_id, d.agent_id, d.org_id, d.mode, d.chain, d.chain_id, d.to, d.value_wei, d.max_fee_per_gas,
          d.max_priority_fee_per_gas, d.gas_price, occurredAt(event)],
      );
    }),
    on(TransactionSimulated, async ({ data: d }, tx) => {
      await tx.query(`update transactions set simulation_id = $2, simulation_status = $3 where id = $1`,
        [d.tx_id, d.simulation_id, d.status]);
    }),
    on(TransactionRejected, async ({ data: d }, tx) => {
      await tx.query(`update transactions set status = 'failed', error_message = $2 where id = $1`,
        [d.tx_id, `guardrail ${d.guardrail}: ${d.reason}`]);
    }),
    on(TransactionSigned, async (event, tx) => {
      const d = event.data;
      await tx.query(
        `update transactions set status = case when mode = 'sign' then 'sign_only' else 'signed' end, from_address = $2,
           nonce = $3, signed_tx = $4, tx_hash = $5, gas_price = $6, max_fee_per_gas = $7, max_priority_fee_per_gas = $8,
           signed_at = $9 where id = $1`,
        [d.tx_id, d.from, d.nonce, d.signed_tx, d.tx_hash, d.gas_price, d.max_fee_per_gas, d.max_priority_fee_per_gas,
          occurredAt(event)],
      );
    }),
    on(TransactionBroadcast, async ({ data: d }, tx) => {
      await tx.query(`update transactions set status = 'broadcast' where id = $1`, [d.tx_id]);
    }),
    on(TransactionConfirmed, async (event, tx) => {
      await tx.query(`update transactions set block_number = $2, confirmed_at = $3 where id = $1`,
        [event.data.tx_id, event.data.block_number, occurredAt(event)]);
    }),
    on(TransactionFailed, async ({ data: d }, tx) => {
      await tx.query(`update transactions set status = case when $2 = 'simulation' then 'simulation_failed' else 'failed' end,
        error_message = $3 where id = $1`, [d.tx_id, d.stage, d.error]);
    }),
  ],
});
