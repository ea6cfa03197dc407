/**
 * Simulating transactions against the chain's own node: `eth_call` says whether it would revert (and why),
 * `eth_estimateGas` how much gas it would use; native balance changes follow from the value and the gas at
 * the node's gas price. A bundle runs through `eth_simulateV1`, each call on the state the previous left.
 */
import { randomUUID } from "node:crypto";
import { ethers } from "./ethers.js";
import { weiToEth } from "../../commands/rules/eth-amount.js";
import type { Chain } from "../chains/registry.js";
import { RpcError, type ChainRpc } from "../chains/rpc.js";

export interface SimulatedCall {
  from: string;
  to: string;
  valueWei: bigint;
  data: string | null;
  gasLimit: number;
}

export interface BalanceChange {
  address: string;
  token: string;
  token_symbol: string;
  before: string;
  after: string;
  change: string;
}

export interface SimulationOutcome {
  simulation_id: string;
  status: "success" | "reverted" | "error";
  gas_used?: number;
  balance_changes: BalanceChange[];
  error?: string;
  error_code?: string;
  error_human_readable?: string;
  revert_reason?: string;
  tenderly_dashboard_url?: string;
  simulated_at: string;
}

const ERROR_SELECTOR = "0x08c379a0";
const PANIC_SELECTOR = "0x4e487b71";

/** Error(string) and Panic(uint256) as words; other revert data (custom errors) as their hex. */
export function decodeRevertReason(data: unknown): string | undefined {
  if (typeof data !== "string" || !/^0x[0-9a-fA-F]*$/.test(data) || data.length < 10) return undefined;
  try {
    if (data.startsWith(ERROR_SELECTOR)) return String(ethers().AbiCoder.defaultAbiCoder().decode(["string"], `0x${data.slice(10)}`)[0]);
    if (data.startsWith(PANIC_SELECTOR)) return `panic 0x${BigInt(ethers().AbiCoder.defaultAbiCoder().decode(["uint256"], `0x${data.slice(10)}`)[0]).toString(16)}`;
  } catch { /* malformed: fall through to the raw data */ }
  return `custom error ${data.slice(0, 202)}`;
}

const callObject = (call: SimulatedCall) => ({
  from: call.from, to: call.to, value: ethers().toBeHex(call.valueWei), gas: ethers().toBeHex(call.gasLimit),
  ...(call.data && call.data !== "0x" && { input: call.data, data: call.data }),
});

/** A JSON-RPC error of a call: a revert (with its reason) or another refusal (insufficient funds, ...). */
function failureOf(error: RpcError): Pick<SimulationOutcome, "status" | "error" | "error_code" | "revert_reason" | "error_human_readable"> {
  const reason = decodeRevertReason(error.data);
  const reverted = error.code === 3 || /revert/i.test(error.message);
  return reverted
    ? { status: "reverted", error: error.message, error_code: String(error.code), revert_reason: reason ?? "",
      error_human_readable: `the transaction would revert${reason ? `: ${reason}` : ""}` }
    : { status: "error", error: error.message, error_code: String(error.code), error_human_readable: error.message };
}

class Balances {
  private readonly before = new Map<string, bigint>();
  private readonly current = new Map<string, bigint>();
  constructor(private readonly rpc: ChainRpc, private readonly chain: Chain) {}

  async load(addresses: string[]): Promise<void> {
    for (const address of addresses.map((a) => a.toLowerCase())) {
      if (this.before.has(address)) continue;
      const balance = BigInt(await this.rpc.call<string>("eth_getBalance", [address, "latest"]));
      this.before.set(address, balance);
      this.current.set(address, balance);
    }
  }

  /** Moves `value` from `from` to `to`, and the gas cost out of `from`; answers the changes of this one call. */
  apply(call: SimulatedCall, gasCost: bigint): BalanceChange[] {
    const from = call.from.toLowerCase();
    const to = call.to.toLowerCase();
    const moves = new Map<string, bigint>([[from, -(call.valueWei + gasCost)]]);
    moves.set(to, (moves.get(to) ?? 0n) + call.valueWei);
    return [...moves].map(([address, change]) => {
      const before = this.current.get(address)!;
      const after = before + change;
      this.current.set(address, after);
      return { address, token: "native", token_symbol: this.chain.nativeCurrency, before: weiToEth(before), after: weiToEth(after),
        change: weiToEth(change) };
    });
  }
}

export async function simulateCall(rpc: ChainRpc, chain: Chain, call: SimulatedCall, now: Date): Promise<SimulationOutcome> {
  const base = { simulation_id: randomUUID(), balance_changes: [] as BalanceChange[], simulated_at: now.toISOString() };
  try {
    await rpc.call("eth_call", [callObject(call), "pending"]);
    const gasUsed = Number(BigInt(await rpc.call<string>("eth_estimateGas", [callObject(call), "pending"])));
    const gasPrice = BigInt(await rpc.call<string>("eth_gasPrice", []));
    const balances = new Balances(rpc, chain);
    await balances.load([call.from, call.to]);
    return { ...base, status: "success", gas_used: gasUsed, balance_changes: balances.apply(call, BigInt(gasUsed) * gasPrice) };
  } catch (error) {
    if (error instanceof RpcError) return { ...base, ...failureOf(error) };
    throw error;
  }
}

interface SimulateV1CallResult {
  status: string;
  gasUsed: string;
  error?: { code: number; message: string; data?: string };
}

/**
 * Each call on the state after the previous successful ones: call i is simulated in one block after those
 * (`eth_simulateV1` refuses a whole block when one call cannot pay, so a failed call is left out of the
 * state the next ones see, as it would change nothing but gas).
 */
export async function simulateBundle(rpc: ChainRpc, chain: Chain, calls: SimulatedCall[], now: Date): Promise<SimulationOutcome[]> {
  const at = now.toISOString();
  const gasPrice = BigInt(await rpc.call<string>("eth_gasPrice", []));
  const balances = new Balances(rpc, chain);
  await balances.load(calls.flatMap((c) => [c.from, c.to]));
  const applied: SimulatedCall[] = [];
  const outcomes: SimulationOutcome[] = [];
  for (const call of calls) {
    const base = { simulation_id: randomUUID(), simulated_at: at, balance_changes: [] as BalanceChange[] };
    let blocks: Array<{ calls: SimulateV1CallResult[] }>;
    try {
      blocks = await rpc.call("eth_simulateV1",
        [{ blockStateCalls: [{ calls: [...applied, call].map(callObject) }], validation: false }, "latest"]);
    } catch (error) {
      if (!(error instanceof RpcError)) throw error;
      outcomes.push({ ...base, ...failureOf(error) });
      continue;
    }
    const result = blocks[0]?.calls[applied.length];
    if (!result) {
      outcomes.push({ ...base, status: "error", error: "the node returned no result for this call" });
      continue;
    }
    const gasUsed = Number(BigInt(result.gasUsed));
    if (result.status !== "0x1") {
      const failure = result.error ? failureOf(new RpcError(result.error.code, result.error.message, result.error.data))
        : { status: "reverted" as const, revert_reason: "", error_human_readable: "the transaction would revert" };
      outcomes.push({ ...base, ...failure, status: failure.status === "error" ? "error" : "reverted", gas_used: gasUsed });
      continue;
    }
    applied.push(call);
    outcomes.push({ ...base, status: "success", gas_used: gasUsed, balance_changes: balances.apply(call, BigInt(gasUsed) * gasPrice) });
  }
  return outcomes;
}
