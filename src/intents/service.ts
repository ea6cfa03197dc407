/**
 * The Intents API: agents have transactions signed by keys they never see. Each submission walks the
 * transaction's stream step by step (submitted, simulated, rejected or signed, broadcast, confirmed or
 * failed); guardrails and nonces are decided on the agent's ledger, replays on the Idempotency-Key's
 * stream. No lock is held across an RPC call: every decision is an optimistic append.
 */
import { createHash, randomUUID } from "node:crypto";
import { z } from "zod";
import { Conflict, DomainError, Invalid } from "../../commands/errors.js";
import {
  authorizedNonce, checkGuardrails, GuardrailViolation, intentsLedgerAggregate, type Guardrails,
} from "../../commands/intents-ledger.js";
import { transactionAggregate, isSettled, type TransactionCommand, type TransactionState } from "../../commands/transaction.js";
import { idempotencyAggregate } from "../../commands/tx-idempotency.js";
import type { AgentView } from "../agents/queries.js";
import { loadAggregate } from "../app/aggregates.js";
import type { Services } from "../app/services.js";
import { actorOf, type Principal } from "../auth/principal.js";
import type { ChainRegistry } from "../chains/registry.js";
import { ChainRpcUnavailable, rpcOf, RpcError, type ChainRpc } from "../chains/rpc.js";
import type { EventMetadata } from "../eventstore/port.js";
import { nameBasedId } from "../ids/name-based-id.js";
import type { SubmitTransactionRequest } from "../api/transactions.js";
import { agentForSigning } from "./caller.js";
import { intentOf, type Intent } from "./intent.js";
import type { ReceiptWatcher } from "./receipts.js";
import { signTransaction } from "./signer.js";
import { openSigningKey, type SigningKey } from "./signing-key.js";
import { simulateCall, type SimulatedCall } from "./simulation.js";
import { simulateWithTenderly, type TenderlyConfig } from "./tenderly.js";
import { transactionBody, type TransactionBody } from "./views.js";

export interface IntentsDependencies {
  registry: ChainRegistry;
  rpcDeadlineMs: number;
  receipts: ReceiptWatcher;
  /** Simulate through Tenderly instead of the chain's RPC. */
  tenderly?: TenderlyConfig;
}

type IntentServices = Pick<Services, "db" | "bus" | "store" | "keys" | "clock" | "logger">;

export interface Caller {
  principal: Principal;
  ip: string;
  metadata: EventMetadata;
}

export class IdempotencyKeyInFlight extends Conflict {
  constructor() {
    super("a request with this Idempotency-Key is still in flight; retry in a moment for its answer");
    this.name = "IdempotencyKeyInFlight";
  }
}

export class IdempotencyKeyInvalid extends Invalid {
  constructor() {
    super("Idempotency-Key must be 1 to 255 visible ASCII characters");
    this.name = "IdempotencyKeyInvalid";
  }
}

/** What a submission answers: the status and the body the reference gives for it. */
export type SubmitOutcome =
  | { status: 200 | 201 | 422; body: TransactionBody }
  | { status: 200; body: SignBody };

export interface SignBody {
  id: string;
  signed_tx: string;
  tx_hash: string;
  from: string;
  to: string;
  chain: string;
  chain_id: number;
  nonce: number;
  value_wei: string;
  status: "sign_only";
  simulation_id?: string;
  simulation_status?: string;
  max_fee_per_gas?: string;
  max_priority_fee_per_gas?: string;
}

export function guardrailsOf(agent: AgentView): Guardrails {
  return { toAllowlist: agent.txToAllowlist, maxValueEth: agent.txMaxValue, dailyLimitEth: agent.txDailyLimit,
    allowedChains: agent.txAllowedChains };
}

function signBody(state: TransactionState): SignBody {
  if (state.stage === "absent" || !state.signed) throw new Error("signBody: the transaction is not signed");
  const { submitted: s, signed, simulation } = state;
  return {
    id: s.tx_id, signed_tx: signed.signed_tx, tx_hash: signed.tx_hash, from: signed.from, to: s.to, chain: s.chain,
    chain_id: s.chain_id, nonce: signed.nonce, value_wei: s.value_wei, status: "sign_only",
    ...(simulation && { simulation_id: simulation.simulation_id, simulation_status: simulation.status }),
    ...(signed.max_fee_per_gas !== null && { max_fee_per_gas: signed.max_fee_per_gas }),
    ...(signed.max_priority_fee_per_gas !== null && { max_priority_fee_per_gas: signed.max_priority_fee_per_gas }),
  };
}

/** The answer a settled transaction gives again (an idempotent replay): 200, or the guardrail's 403. */
function replay(state: TransactionState): SubmitOutcome {
  if (!isSettled(state) || state.stage === "absent") throw new IdempotencyKeyInFlight();
  if (state.stage === "rejected" && state.rejection) throw new GuardrailViolation(state.rejection.guardrail, state.rejection.reason);
  if (state.submitted.mode === "sign" && state.signed) return { status: 200, body: signBody(state) };
  return { status: 200, body: transactionBody(state, true) };
}

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

/** Submit (sign and broadcast) or sign only. */
export async function submitTransaction(
  services: IntentServices, deps: IntentsDependencies, caller: Caller, agentId: string,
  body: z.output<typeof SubmitTransactionRequest>, mode: Intent["mode"], idempotencyKey?: string,
): Promise<SubmitOutcome> {
  const agent = await agentForSigning(services, caller.principal, agentId);
  const intent = intentOf(body, deps.registry, mode, !!deps.tenderly);
  const txId = randomUUID();
  const place = { txId, agentId: agent.id, orgId: agent.orgId };
  const quiet = { metadata: caller.metadata, readYourWrites: false };

  let keyHash: string | null = null;
  if (idempotencyKey !== undefined) {
    if (!/^[\x21-\x7e]{1,255}$/.test(idempotencyKey)) throw new IdempotencyKeyInvalid();
    keyHash = sha256(idempotencyKey);
    const { state } = await services.bus.handle(idempotencyAggregate, nameBasedId("tx_idempotency", agent.id, keyHash),
      { type: "ClaimIdempotencyKey", agentId: agent.id, orgId: agent.orgId, keyHash, txId }, quiet);
    if (state.claim?.txId !== txId) return replay(await loadAggregate(services.store, transactionAggregate, state.claim!.txId));
  }

  const step = async (command: TransactionCommand, readYourWrites = false) =>
    (await services.bus.handle(transactionAggregate, txId, command, { metadata: caller.metadata, readYourWrites })).state;
  await step({ type: "SubmitTransaction", ...place, submitted: {
    mode, chain: intent.chain.name, chain_id: intent.chain.chainId, to: intent.to, value_wei: intent.valueWei.toString(),
    data: intent.data, gas_limit: intent.gasLimit, gas_price: intent.gasPrice?.toString() ?? null,
    max_fee_per_gas: intent.maxFeePerGas?.toString() ?? null,
    max_priority_fee_per_gas: intent.maxPriorityFeePerGas?.toString() ?? null, nonce: intent.nonce,
    simulate_first: intent.simulateFirst, signing_key_path: intent.signingKeyPath, idempotency_key_hash: keyHash,
    submitted_by: actorOf(caller.principal),
  } });

  try {
    return await signAndSend(services, deps, caller, agent, intent, place, step);
  } catch (error) {
    // Whatever stopped it is on its stream too (a guardrail's refusal is recorded where it is decided).
    if (error instanceof DomainError && !(error instanceof GuardrailViolation)) {
      await step({ type: "RecordFailure", ...place, stage: "signing", error: error.detail.slice(0, 2000) }, true).catch(() => undefined);
    }
    throw error;
  }
}

type Step = (command: TransactionCommand, readYourWrites?: boolean) => Promise<TransactionState>;

async function signAndSend(
  services: IntentServices, deps: IntentsDependencies, caller: Caller, agent: AgentView, intent: Intent,
  place: { txId: string; agentId: string; orgId: string }, step: Step,
): Promise<SubmitOutcome> {
  const guardrails = guardrailsOf(agent);
  const rejectOn = async <T>(decision: () => Promise<T> | T): Promise<T> => {
    try {
      return await decision();
    } catch (error) {
      if (error instanceof GuardrailViolation) {
        await step({ type: "RejectTransaction", ...place, guardrail: error.guardrail, reason: error.detail }, true);
      }
      throw error;
    }
  };
  const chainIntent = { chain: intent.chain.name, chainId: intent.chain.chainId, to: intent.to, valueWei: intent.valueWei };
  // First without reserving anything: a forbidden transaction costs no key read and no RPC call.
  await rejectOn(async () => checkGuardrails(await loadAggregate(services.store, intentsLedgerAggregate, agent.id), chainIntent,
    guardrails, services.clock()));

  const key = await openSigningKey(services, agent, intent.signingKeyPath, caller);
  const rpc = intent.chain.rpcUrl ? rpcOf(intent.chain, deps.rpcDeadlineMs, "simulate") : undefined;
  if (intent.simulateFirst) {
    const call: SimulatedCall = { from: key.address, to: intent.to, valueWei: intent.valueWei, data: intent.data, gasLimit: intent.gasLimit };
    const outcome = deps.tenderly
      ? await simulateWithTenderly(deps.tenderly, intent.chain, call, deps.rpcDeadlineMs, services.clock())
      : await simulateCall(rpc!, intent.chain, call, services.clock());
    await step({ type: "RecordSimulation", ...place, simulation_id: outcome.simulation_id, status: outcome.status,
      gas_used: outcome.gas_used ?? null, revert_reason: outcome.revert_reason?.slice(0, 2000) ?? null,
      error: outcome.error?.slice(0, 2000) ?? null });
    if (outcome.status !== "success") {
      const state = await step({ type: "RecordFailure", ...place, stage: "simulation",
        error: (outcome.error_human_readable ?? "the simulation failed").slice(0, 2000) }, true);
      // `detail` as in a problem answer, so clients that read only that still learn why.
      const body = transactionBody(state, false);
      return { status: 422, body: { ...body, detail: body.error_message } };
    }
  }

  const fees = await feesOf(intent, rpc);
  const pendingNonce = intent.nonce === null && rpc
    ? Number(BigInt(await rpc.call<string>("eth_getTransactionCount", [key.address, "pending"]))) : null;
  const { state: ledger } = await rejectOn(() => services.bus.handle(intentsLedgerAggregate, agent.id, {
    type: "AuthorizeTransaction", ...place, ...chainIntent, from: key.address, guardrails, nonce: intent.nonce,
    chainPendingNonce: pendingNonce,
  }, { metadata: caller.metadata, readYourWrites: false }));
  const nonce = authorizedNonce(ledger, place.txId)!;

  const signed = await sign(key, intent, nonce, fees);
  let state = await step({ type: "RecordSignature", ...place, signed: {
    from: signed.from, nonce, tx_type: signed.type, gas_limit: intent.gasLimit, gas_price: fees.gasPrice?.toString() ?? null,
    max_fee_per_gas: fees.maxFeePerGas?.toString() ?? null, max_priority_fee_per_gas: fees.maxPriorityFeePerGas?.toString() ?? null,
    signed_tx: signed.signedTx, tx_hash: signed.txHash, signing_key_version: key.version,
  } }, intent.mode === "sign");
  if (intent.mode === "sign") return { status: 200, body: signBody(state) };

  state = await broadcast(services, deps, caller, rpc!, place, signed, step);
  return { status: 201, body: transactionBody(state, true) };
}

interface Fees { gasPrice: bigint | null; maxFeePerGas: bigint | null; maxPriorityFeePerGas: bigint | null }

/** The caller's fees, else the node's gas price (legacy). */
async function feesOf(intent: Intent, rpc: ChainRpc | undefined): Promise<Fees> {
  if (intent.maxFeePerGas !== null) {
    return { gasPrice: null, maxFeePerGas: intent.maxFeePerGas, maxPriorityFeePerGas: intent.maxPriorityFeePerGas ?? 0n };
  }
  const gasPrice = intent.gasPrice ?? BigInt(await rpc!.call<string>("eth_gasPrice", []));
  return { gasPrice, maxFeePerGas: null, maxPriorityFeePerGas: null };
}

function sign(key: SigningKey, intent: Intent, nonce: number, fees: Fees) {
  return key.use((bytes) => signTransaction(bytes, {
    chainId: intent.chain.chainId, nonce, to: intent.to, valueWei: intent.valueWei, data: intent.data, gasLimit: intent.gasLimit,
    ...(fees.maxFeePerGas !== null
      ? { maxFeePerGas: fees.maxFeePerGas, maxPriorityFeePerGas: fees.maxPriorityFeePerGas ?? 0n }
      : { gasPrice: fees.gasPrice ?? 0n }),
  }));
}

/**
 * Sends the signed transaction. A refusal by the node means nothing reached the chain: the ledger voids the
 * authorisation (its value and nonce are free again). A node that did not answer may have taken it: the
 * authorisation stands (the safe side for the limits) and the transaction is marked failed.
 */
async function broadcast(
  services: IntentServices, deps: IntentsDependencies, caller: Caller, rpc: ChainRpc,
  place: { txId: string; agentId: string; orgId: string }, signed: { signedTx: string; txHash: string }, step: Step,
): Promise<TransactionState> {
  try {
    await rpc.call("eth_sendRawTransaction", [signed.signedTx]);
  } catch (error) {
    if (error instanceof RpcError) {
      await services.bus.handle(intentsLedgerAggregate, place.agentId, { type: "VoidAuthorization", ...place,
        reason: `refused by the node: ${error.message}`.slice(0, 2000) }, { metadata: caller.metadata, readYourWrites: false });
      return step({ type: "RecordFailure", ...place, stage: "broadcast", error: `the node refused it: ${error.message}`.slice(0, 2000) }, true);
    }
    if (error instanceof ChainRpcUnavailable) {
      return step({ type: "RecordFailure", ...place, stage: "broadcast", error: error.detail.slice(0, 2000) }, true);
    }
    throw error;
  }
  const state = await step({ type: "RecordBroadcast", ...place, txHash: signed.txHash }, true);
  deps.receipts.watch(rpc, place, signed.txHash, caller.metadata);
  return state;
}
