/**
 * One EVM transaction of the Intents API (`tx-<uuid>`): the steps it may take, in order. Submitted, then
 * either rejected by a guardrail, or (simulated, then) signed, then broadcast, then confirmed; it can fail
 * at any step before the end. The decider keeps the promise of `simulate_first`: a transaction whose
 * simulation did not succeed is never signed.
 */
import {
  readTransactionEvent, TransactionBroadcast, TransactionConfirmed, TransactionFailed, TransactionRejected, TransactionSigned,
  TransactionSimulated, TransactionSubmitted, type TransactionEvent,
} from "../events/transaction.js";
import type { z } from "zod";
import { defineAggregate, type Timed } from "./aggregate.js";
import type { Decider } from "./decider.js";
import { Conflict, NotFound } from "./errors.js";
import type { GuardrailName } from "./intents-ledger.js";

type Submitted = z.output<typeof TransactionSubmitted.schema>;
type Signed = z.output<typeof TransactionSigned.schema>;
type Simulated = z.output<typeof TransactionSimulated.schema>;

export type TransactionStage = "submitted" | "rejected" | "signed" | "broadcast" | "confirmed" | "failed";

export type TransactionState =
  | { stage: "absent" }
  | { stage: TransactionStage; submitted: Submitted; simulation?: Simulated; signed?: Signed;
      rejection?: { guardrail: GuardrailName; reason: string }; failure?: { stage: string; error: string };
      confirmation?: { blockNumber: number; gasUsed: number };
      /** When each step happened (absent in decider specs, which give events no time). */
      submittedAt?: Date; signedAt?: Date; confirmedAt?: Date };

export const initialTransactionState: TransactionState = { stage: "absent" };

export class TransactionNotFound extends NotFound {
  constructor(txId: string) {
    super(`transaction ${txId} not found`);
    this.name = "TransactionNotFound";
  }
}

/** A step that the transaction's history does not allow (a bug of the caller, or a replay racing the original). */
export class TransactionStepRefused extends Conflict {
  constructor(txId: string, step: string, stage: string) {
    super(`transaction ${txId}: cannot ${step} at stage ${stage}`);
    this.name = "TransactionStepRefused";
  }
}

type Place = { txId: string; agentId: string; orgId: string };

export type TransactionCommand =
  | ({ type: "SubmitTransaction" } & Place & { submitted: Omit<Submitted, "tx_id" | "agent_id" | "org_id"> })
  | ({ type: "RecordSimulation" } & Place & Omit<Simulated, "tx_id" | "agent_id" | "org_id">)
  | ({ type: "RejectTransaction" } & Place & { guardrail: GuardrailName; reason: string })
  | ({ type: "RecordSignature" } & Place & { signed: Omit<Signed, "tx_id" | "agent_id" | "org_id"> })
  | ({ type: "RecordBroadcast" } & Place & { txHash: string })
  | ({ type: "RecordConfirmation" } & Place & { blockNumber: number; gasUsed: number })
  | ({ type: "RecordFailure" } & Place & { stage: "simulation" | "signing" | "broadcast" | "execution"; error: string });

/** Whether the transaction got as far as it will without more work from us (what an idempotent replay answers). */
export function isSettled(state: TransactionState): boolean {
  if (state.stage === "absent" || state.stage === "submitted") return false;
  return state.stage !== "signed" || state.submitted.mode === "sign";
}

export const transactionDecider: Decider<TransactionCommand, TransactionState, TransactionEvent> = {
  initialState: initialTransactionState,

  evolve(state, event) {
    const { at } = event as Timed<TransactionEvent>;
    if (event.type === "TransactionSubmitted") return { stage: "submitted", submitted: event.data, submittedAt: at };
    if (state.stage === "absent") return state;
    switch (event.type) {
      case "TransactionSimulated": return { ...state, simulation: event.data };
      case "TransactionRejected": return { ...state, stage: "rejected",
        rejection: { guardrail: event.data.guardrail, reason: event.data.reason } };
      case "TransactionSigned": return { ...state, stage: "signed", signed: event.data, signedAt: at };
      case "TransactionBroadcast": return { ...state, stage: "broadcast" };
      case "TransactionConfirmed": return { ...state, stage: "confirmed", confirmedAt: at,
        confirmation: { blockNumber: event.data.block_number, gasUsed: event.data.gas_used } };
      case "TransactionFailed": return { ...state, stage: "failed", failure: { stage: event.data.stage, error: event.data.error } };
    }
  },

  decide(command, state) {
    const place = { tx_id: command.txId, agent_id: command.agentId, org_id: command.orgId };
    if (command.type === "SubmitTransaction") {
      if (state.stage !== "absent") throw new TransactionStepRefused(command.txId, "submit", state.stage);
      return [TransactionSubmitted.of({ ...place, ...command.submitted })];
    }
    if (state.stage === "absent") throw new TransactionNotFound(command.txId);
    const refuse = (step: string) => new TransactionStepRefused(command.txId, step, state.stage);
    switch (command.type) {
      case "RecordSimulation":
        if (state.stage !== "submitted" || state.simulation) throw refuse("record a simulation");
        return [TransactionSimulated.of({ ...place, simulation_id: command.simulation_id, status: command.status,
          gas_used: command.gas_used, revert_reason: command.revert_reason, error: command.error })];
      case "RejectTransaction":
        if (state.stage !== "submitted") throw refuse("reject");
        return [TransactionRejected.of({ ...place, guardrail: command.guardrail, reason: command.reason })];
      case "RecordSignature":
        if (state.stage !== "submitted") throw refuse("sign");
        // simulate_first: no signature without a successful simulation.
        if (state.submitted.simulate_first && state.simulation?.status !== "success") throw refuse("sign without a successful simulation");
        return [TransactionSigned.of({ ...place, ...command.signed })];
      case "RecordBroadcast":
        if (state.stage !== "signed" || state.submitted.mode !== "submit") throw refuse("broadcast");
        return [TransactionBroadcast.of({ ...place, tx_hash: command.txHash })];
      case "RecordConfirmation":
        if (state.stage !== "broadcast") throw refuse("confirm");
        return [TransactionConfirmed.of({ ...place, block_number: command.blockNumber, gas_used: command.gasUsed })];
      case "RecordFailure": {
        const allowed = command.stage === "execution" ? state.stage === "broadcast"
          : command.stage === "broadcast" ? state.stage === "signed" : state.stage === "submitted";
        if (!allowed) throw refuse(`fail at ${command.stage}`);
        return [TransactionFailed.of({ ...place, stage: command.stage, error: command.error })];
      }
    }
  },
};

export const transactionAggregate = defineAggregate("tx", transactionDecider, readTransactionEvent);
