/**
 * Wire schemas of the Intents API (`/v1/agents/{agent_id}/transactions…`), as the reference spec defines
 * them. The server does not serve these routes yet (issue 13); the SDK is typed by these schemas, and the
 * routes will validate with them when they land.
 */
import { z } from "zod";

const address = z.string().max(200);
const weiAmount = z.string().regex(/^\d+$/, "must be an integer amount in wei");
const ethAmount = z.string().regex(/^\d+(\.\d+)?$/, "must be a non-negative decimal number");

export const SimulateTransactionRequest = z.object({
  to: address,
  value: ethAmount,
  chain: z.string().min(1).max(100),
  data: z.string().regex(/^0x[0-9a-fA-F]*$/, "must be 0x-prefixed hex").optional(),
  signing_key_path: z.string().max(512).optional(),
  gas_limit: z.number().int().positive().optional(),
}).meta({ id: "SimulateTransactionRequest" });

export const SubmitTransactionRequest = SimulateTransactionRequest.extend({
  nonce: z.number().int().min(0).optional(),
  gas_price: weiAmount.optional(),
  max_fee_per_gas: weiAmount.optional(),
  max_priority_fee_per_gas: weiAmount.optional(),
  simulate_first: z.boolean().optional(),
}).meta({ id: "SubmitTransactionRequest" });

export const SimulateBundleRequest = z.object({
  transactions: z.array(SimulateTransactionRequest).min(1).max(20),
}).meta({ id: "SimulateBundleRequest" });

export const BalanceChange = z.object({
  address: z.string().optional(),
  token: z.string().optional(),
  symbol: z.string().optional(),
  amount: z.string().optional(),
  raw_amount: z.string().optional(),
}).meta({ id: "BalanceChange" });

export const SimulationResponse = z.object({
  simulation_id: z.string().optional(),
  status: z.enum(["success", "reverted", "error"]),
  gas_used: z.number().int().optional(),
  gas_estimate_usd: z.string().optional(),
  balance_changes: z.array(BalanceChange).optional(),
  error: z.string().optional(),
  error_code: z.string().optional(),
  error_human_readable: z.string().optional(),
  revert_reason: z.string().optional(),
  tenderly_dashboard_url: z.string().optional(),
  simulated_at: z.string().optional(),
}).meta({ id: "SimulationResponse" });

export const BundleSimulationResponse = z.object({ simulations: z.array(SimulationResponse) })
  .meta({ id: "BundleSimulationResponse" });

export const TransactionResponse = z.object({
  id: z.uuid(),
  agent_id: z.uuid(),
  chain: z.string(),
  chain_id: z.number().int(),
  to: z.string(),
  value_wei: z.string(),
  status: z.enum(["pending", "signed", "sign_only", "broadcast", "failed", "simulation_failed"]),
  /** Present on the submit answer; on reads only with `include_signed_tx=true`. */
  signed_tx: z.string().nullable().optional(),
  tx_hash: z.string().optional(),
  error_message: z.string().optional(),
  created_at: z.string(),
  signed_at: z.string().optional(),
  simulation_id: z.string().optional(),
  simulation_status: z.string().optional(),
  tenderly_dashboard_url: z.string().optional(),
  max_fee_per_gas: z.string().optional(),
  max_priority_fee_per_gas: z.string().optional(),
}).meta({ id: "TransactionResponse" });

export const TransactionListResponse = z.object({ transactions: z.array(TransactionResponse) })
  .meta({ id: "TransactionListResponse" });

export const TransactionQuery = z.object({ include_signed_tx: z.enum(["true", "false"]).optional() });
export const IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";
