/**
 * A transaction request as the Intents API reads it: the chain resolved, ETH turned into wei, the gas mode
 * chosen (EIP-1559 when `max_fee_per_gas` is given, else legacy), checked before anything is recorded.
 */
import type { z } from "zod";
import { Invalid } from "../../commands/errors.js";
import { ethToWei } from "../../commands/rules/eth-amount.js";
import type { SubmitTransactionRequest } from "../api/transactions.js";
import type { Chain, ChainRegistry } from "../chains/registry.js";
import { ChainHasNoRpc } from "../chains/rpc.js";
import { defaultSigningKeyPath } from "./signing-key.js";

export const DEFAULT_GAS_LIMIT = 21000;

export class TransactionRequestInvalid extends Invalid {
  constructor(reason: string) {
    super(reason);
    this.name = "TransactionRequestInvalid";
  }
}

export interface Intent {
  mode: "submit" | "sign";
  chain: Chain;
  to: string;
  valueWei: bigint;
  data: string | null;
  gasLimit: number;
  gasPrice: bigint | null;
  maxFeePerGas: bigint | null;
  maxPriorityFeePerGas: bigint | null;
  nonce: number | null;
  simulateFirst: boolean;
  signingKeyPath: string;
}

const UINT256_MAX = 2n ** 256n - 1n;

function wei(text: string | undefined, field: string): bigint | null {
  if (text === undefined) return null;
  const amount = BigInt(text);
  if (amount > UINT256_MAX) throw new TransactionRequestInvalid(`${field} is larger than a uint256`);
  return amount;
}

export function intentOf(body: z.output<typeof SubmitTransactionRequest>, registry: ChainRegistry, mode: Intent["mode"],
  simulator = false): Intent {
  const chain = registry.find(body.chain);
  if (mode === "submit" && !chain.rpcUrl) throw new ChainHasNoRpc(chain.name, "broadcast");
  // Simulating first is the default wherever there is something to simulate on (the chain's node, or Tenderly).
  const canSimulate = simulator || !!chain.rpcUrl;
  const simulateFirst = body.simulate_first ?? (mode === "submit" || canSimulate);
  if (simulateFirst && !canSimulate) throw new ChainHasNoRpc(chain.name, "simulate");
  if (body.gas_price !== undefined && body.max_fee_per_gas !== undefined) {
    throw new TransactionRequestInvalid("give either gas_price (legacy) or max_fee_per_gas (EIP-1559), not both");
  }
  if (body.max_priority_fee_per_gas !== undefined && body.max_fee_per_gas === undefined) {
    throw new TransactionRequestInvalid("max_priority_fee_per_gas needs max_fee_per_gas (EIP-1559)");
  }
  if (body.gas_price === undefined && body.max_fee_per_gas === undefined && !chain.rpcUrl) {
    throw new TransactionRequestInvalid(`chain ${chain.name} has no RPC to ask for a gas price: give gas_price or max_fee_per_gas`);
  }
  if (body.data !== undefined && body.data.length % 2 !== 0) throw new TransactionRequestInvalid("data must be whole bytes (an even number of hex digits)");
  const maxFee = wei(body.max_fee_per_gas, "max_fee_per_gas");
  const priority = wei(body.max_priority_fee_per_gas, "max_priority_fee_per_gas");
  const valueWei = ethToWei(body.value);
  if (valueWei > UINT256_MAX) throw new TransactionRequestInvalid("value is larger than a uint256 of wei");
  if (maxFee !== null && priority !== null && priority > maxFee) {
    throw new TransactionRequestInvalid("max_priority_fee_per_gas cannot exceed max_fee_per_gas");
  }
  return {
    mode, chain, to: body.to, valueWei, data: body.data && body.data !== "0x" ? body.data : null,
    gasLimit: body.gas_limit ?? DEFAULT_GAS_LIMIT,
    gasPrice: wei(body.gas_price, "gas_price"),
    maxFeePerGas: maxFee, maxPriorityFeePerGas: maxFee === null ? null : priority ?? 0n,
    nonce: body.nonce ?? null, simulateFirst, signingKeyPath: body.signing_key_path ?? defaultSigningKeyPath(chain.name),
  };
}
