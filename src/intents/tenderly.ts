/**
 * Simulations through Tenderly's Simulation API (a third party: `POST /api/v1/account/{account}/project/
 * {project}/simulate` and `/simulate-bundle`, authenticated by `X-Access-Key`), used instead of the chain's
 * RPC when configured. Every call has the RPC deadline; errors never quote the access key.
 */
import { Unavailable } from "../../commands/errors.js";
import { weiToEth } from "../../commands/rules/eth-amount.js";
import type { Chain } from "../chains/registry.js";
import type { Config } from "../config.js";
import type { BalanceChange, SimulatedCall, SimulationOutcome } from "./simulation.js";

export type TenderlyConfig = NonNullable<Config["tenderly"]>;

export class TenderlyUnavailable extends Unavailable {
  constructor(reason: string) {
    super(`the Tenderly simulator ${reason}; retry later`);
    this.name = "TenderlyUnavailable";
  }
}

interface TenderlyResult {
  transaction?: { status?: boolean; gas_used?: number; error_message?: string;
    transaction_info?: { balance_diff?: Array<{ address: string; original: string; dirty: string; is_miner?: boolean }> } };
  simulation?: { id?: string; status?: boolean; gas_used?: number };
}

const requestOf = (chain: Chain, call: SimulatedCall) => ({
  network_id: String(chain.chainId), from: call.from, to: call.to, input: call.data ?? "0x", gas: call.gasLimit, gas_price: "0",
  value: call.valueWei.toString(), save: true, save_if_fails: true, simulation_type: "quick",
});

function outcomeOf(config: TenderlyConfig, chain: Chain, result: TenderlyResult, now: Date): SimulationOutcome {
  const id = result.simulation?.id ?? "";
  const ok = result.transaction?.status ?? result.simulation?.status ?? false;
  const balance_changes: BalanceChange[] = (result.transaction?.transaction_info?.balance_diff ?? [])
    .filter((d) => !d.is_miner && /^\d+$/.test(d.original) && /^\d+$/.test(d.dirty))
    .map((d) => ({ address: d.address.toLowerCase(), token: "native", token_symbol: chain.nativeCurrency,
      before: weiToEth(BigInt(d.original)), after: weiToEth(BigInt(d.dirty)), change: weiToEth(BigInt(d.dirty) - BigInt(d.original)) }));
  const reason = result.transaction?.error_message ?? "";
  return {
    simulation_id: id, status: ok ? "success" : "reverted", gas_used: result.transaction?.gas_used ?? result.simulation?.gas_used,
    balance_changes, simulated_at: now.toISOString(),
    ...(id && { tenderly_dashboard_url: `https://dashboard.tenderly.co/${config.account}/${config.project}/simulator/${id}` }),
    ...(!ok && { revert_reason: reason, error: reason || "reverted",
      error_human_readable: `the transaction would revert${reason ? `: ${reason}` : ""}` }),
  };
}

async function post<T>(config: TenderlyConfig, route: string, body: unknown, deadlineMs: number): Promise<T> {
  const signal = AbortSignal.timeout(deadlineMs);
  let response: Response;
  let text: string;
  try {
    response = await fetch(`${config.apiUrl}/api/v1/account/${config.account}/project/${config.project}/${route}`, {
      method: "POST", signal, body: JSON.stringify(body),
      headers: { "content-type": "application/json", "x-access-key": config.accessKey },
    });
    text = await response.text();
  } catch {
    throw new TenderlyUnavailable(signal.aborted ? `did not answer within ${deadlineMs} ms` : "could not be reached");
  }
  let parsed: unknown;
  try { parsed = JSON.parse(text); } catch { parsed = undefined; }
  if (!response.ok || parsed === undefined) {
    const slug = (parsed as { error?: { slug?: unknown } } | undefined)?.error?.slug;
    throw new TenderlyUnavailable(`answered HTTP ${response.status}${typeof slug === "string" ? ` (${slug.slice(0, 100)})` : ""}`);
  }
  return parsed as T;
}

export async function simulateWithTenderly(config: TenderlyConfig, chain: Chain, call: SimulatedCall, deadlineMs: number,
  now: Date): Promise<SimulationOutcome> {
  return outcomeOf(config, chain, await post<TenderlyResult>(config, "simulate", requestOf(chain, call), deadlineMs), now);
}

/** Tenderly runs a bundle sequentially, each simulation on the state the previous left. */
export async function simulateBundleWithTenderly(config: TenderlyConfig, chain: Chain, calls: SimulatedCall[], deadlineMs: number,
  now: Date): Promise<SimulationOutcome[]> {
  const answer = await post<{ simulation_results?: TenderlyResult[] }>(config, "simulate-bundle",
    { simulations: calls.map((call) => requestOf(chain, call)) }, deadlineMs);
  return calls.map((_, i) => outcomeOf(config, chain, answer.simulation_results?.[i] ?? {}, now));
}
