/**
 * Simulation without signing (`…/transactions/simulate` and `…/simulate-bundle`): the sender is the
 * address of the agent's signing key (its read is audited like any other), nothing is recorded on a
 * transaction's stream and nothing is signed.
 */
import type { z } from "zod";
import { ethToWei } from "../../commands/rules/eth-amount.js";
import type { SimulateTransactionRequest } from "../api/transactions.js";
import { rpcOf } from "../chains/rpc.js";
import { agentForSigning } from "./caller.js";
import { DEFAULT_GAS_LIMIT, TransactionRequestInvalid } from "./intent.js";
import type { Caller, IntentsDependencies } from "./service.js";
import { defaultSigningKeyPath, openSigningKey } from "./signing-key.js";
import { simulateBundle, simulateCall, type SimulatedCall, type SimulationOutcome } from "./simulation.js";
import type { Services } from "../app/services.js";
import { simulateBundleWithTenderly, simulateWithTenderly } from "./tenderly.js";

type SimulateServices = Pick<Services, "db" | "bus" | "store" | "keys" | "clock">;
type Request = z.output<typeof SimulateTransactionRequest>;

async function callsOf(services: SimulateServices, deps: IntentsDependencies, caller: Caller, agentId: string, requests: Request[]) {
  const agent = await agentForSigning(services, caller.principal, agentId);
  const chains = requests.map((r) => deps.registry.find(r.chain));
  if (new Set(chains.map((c) => c.chainId)).size > 1) throw new TransactionRequestInvalid("a bundle runs on one chain");
  const chain = chains[0];
  const rpc = deps.tenderly ? undefined : rpcOf(chain, deps.rpcDeadlineMs, "simulate");
  const senders = new Map<string, string>();
  const calls: SimulatedCall[] = [];
  for (const request of requests) {
    if (request.data !== undefined && request.data.length % 2 !== 0) {
      throw new TransactionRequestInvalid("data must be whole bytes (an even number of hex digits)");
    }
    const path = request.signing_key_path ?? defaultSigningKeyPath(chain.name);
    if (!senders.has(path)) senders.set(path, (await openSigningKey(services, agent, path, caller)).address);
    calls.push({ from: senders.get(path)!, to: request.to, valueWei: ethToWei(request.value), data: request.data ?? null,
      gasLimit: request.gas_limit ?? DEFAULT_GAS_LIMIT });
  }
  return { chain, rpc, calls };
}

export async function simulateTransaction(services: SimulateServices, deps: IntentsDependencies, caller: Caller, agentId: string,
  request: Request): Promise<SimulationOutcome> {
  const { chain, rpc, calls } = await callsOf(services, deps, caller, agentId, [request]);
  if (deps.tenderly) return simulateWithTenderly(deps.tenderly, chain, calls[0], deps.rpcDeadlineMs, services.clock());
  return simulateCall(rpc!, chain, calls[0], services.clock());
}

export async function simulateTransactionBundle(services: SimulateServices, deps: IntentsDependencies, caller: Caller,
  agentId: string, requests: Request[]): Promise<SimulationOutcome[]> {
  const { chain, rpc, calls } = await callsOf(services, deps, caller, agentId, requests);
  if (deps.tenderly) return simulateBundleWithTenderly(deps.tenderly, chain, calls, deps.rpcDeadlineMs, services.clock());
  return simulateBundle(rpc!, chain, calls, services.clock());
}
