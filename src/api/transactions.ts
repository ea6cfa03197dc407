/**
 * Wire schemas of the Intents API (`/v1/agents/{agent_id}/transactions…`), as the reference spec defines
 * them: the server's routes validate with them and the SDK is typed by them.
 */
import { z } from "zod";

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte address");
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

/** Amounts in the native currency's major unit (decimal ETH), `change` signed. */
export const BalanceChange = z.object({
  address: z.string().optional(),
  token: z.string().optional(),
  token_symbol: z.string().optional(),
  before: z.string().optional(),
  after: z.string().optional(),
  change: z.string().optional(),
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
  /** Beyond the reference: the signer's address, the nonce, and where the chain included it. */
  from: z.string().optional(),
  nonce: z.number().int().optional(),
  block_number: z.number().int().optional(),
  confirmed_at: z.string().optional(),
  /** On a 422 (simulation failed): why, as problem answers say it. */
  detail: z.string().optional(),
  signed_at: z.string().optional(),
  simulation_id: z.string().optional(),
  simulation_status: z.string().optional(),
  tenderly_dashboard_url: z.string().optional(),
  max_fee_per_gas: z.string().optional(),
  max_priority_fee_per_gas: z.string().optional(),
}).meta({ id: "TransactionResponse" });

export const TransactionListResponse = z.object({ transactions: z.array(TransactionResponse) })
  .meta({ id: "TransactionListResponse" });

export const SignTransactionResponse = z.object({
  signed_tx: z.string(),
  tx_hash: z.string(),
  from: z.string(),
  to: z.string(),
  chain: z.string(),
  chain_id: z.number().int(),
  nonce: z.number().int(),
  value_wei: z.string(),
  status: z.literal("sign_only"),
  simulation_id: z.string().optional(),
  simulation_status: z.string().optional(),
  max_fee_per_gas: z.string().optional(),
  max_priority_fee_per_gas: z.string().optional(),
  /** Beyond the reference: the transaction's id, for GET …/transactions/{tx_id}. */
  id: z.uuid().optional(),
}).meta({ id: "SignTransactionResponse" });

/** Only the literal values `true` and `1` include the signed transaction; anything else leaves it out. */
export const TransactionQuery = z.object({ include_signed_tx: z.string().max(10).optional() });
export const TransactionParams = z.object({ agent_id: z.uuid(), tx_id: z.uuid() });
export const IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";
