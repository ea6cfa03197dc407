/**
 * A CMEK rotation job: started (the vault's rotation slot already taken), then batch after batch prepared
 * (the commit point) and applied, paused when its process ended and resumed when the client posts the keys
 * again, and finally completed or failed. One batch at a time: a new batch is refused while one is prepared
 * and not yet applied, so recovery always finishes the batch it finds before the job moves on.
 */
import type { Actor } from "../events/actor.js";
import {
  CmekRotationBatchApplied, CmekRotationBatchPrepared, CmekRotationCompleted, CmekRotationFailed, CmekRotationPaused,
  CmekRotationResumed, CmekRotationStarted, readCmekRotationEvent, type CmekRotationEvent,
} from "../events/cmek-rotation.js";
import { defineAggregate } from "./aggregate.js";
import type { Decider } from "./decider.js";
import { Conflict, NotFound } from "./errors.js";

/** Secrets per batch (the reference's figure): each batch is prepared in full, then applied as one. */
export const CMEK_BATCH_SIZE = 100;

export type CmekJobStatus = "running" | "paused" | "completed" | "failed";

export interface PreparedBatch { batch: number; batchId: string; secretIds: readonly string[] }

export type CmekRotationState =
  | { status: "absent" }
  | {
    status: CmekJobStatus; jobId: string; vaultId: string; orgId: string; oldFingerprint: string; newFingerprint: string;
    totalSecrets: number; processed: number; batches: number;
    /** The batch past its commit point and not yet applied to every secret, if any. */
    prepared: PreparedBatch | null;
  };

type Job = { jobId: string; vaultId: string; orgId: string };

export type CmekRotationCommand =
  | (Job & { type: "StartCmekRotation"; oldFingerprint: string; newFingerprint: string; totalSecrets: number; by: Actor })
  | (Job & { type: "PrepareCmekBatch"; batchId: string; secretIds: string[] })
  | (Job & { type: "ApplyCmekBatch"; batchId: string; processed: number })
  | (Job & { type: "PauseCmekRotation"; reason: string })
  | (Job & { type: "ResumeCmekRotation"; by: Actor })
  | (Job & { type: "CompleteCmekRotation" })
  | (Job & { type: "FailCmekRotation"; error: string });

export class CmekJobNotFound extends NotFound {
  constructor(readonly jobId: string) {
    super(`CMEK rotation job ${jobId} not found`);
    this.name = "CmekJobNotFound";
  }
}

/** The job cannot take this step in its current status (e.g. a batch while another is unapplied, a resume of a finished job). */
export class CmekJobStateConflict extends Conflict {
  constructor(detail: string) {
    super(detail);
    this.name = "CmekJobStateConflict";
  }
}

type Existing = Exclude<CmekRotationState, { status: "absent" }>;

function existing(state: CmekRotationState, jobId: string): Existing {
  if (state.status === "absent") throw new CmekJobNotFound(jobId);
  return state;
}

function running(state: CmekRotationState, jobId: string, step: string): Existing {
  const job = existing(state, jobId);
  if (job.status !== "running") throw new CmekJobStateConflict(`cannot ${step}: the job is ${job.status}`);
  return job;
}

export const cmekRotationDecider: Decider<CmekRotationCommand, CmekRotationState, CmekRotationEvent> = {
  initialState: { status: "absent" },

  evolve(state, event) {
    if (event.type === "CmekRotationStarted") {
      const d = event.data;
      return { status: "running", jobId: d.job_id, vaultId: d.vault_id, orgId: d.org_id, oldFingerprint: d.old_fingerprint,
        newFingerprint: d.new_fingerprint, totalSecrets: d.total_secrets, processed: 0, batches: 0, prepared: null };
    }
    if (state.status === "absent") return state;
    switch (event.type) {
      case "CmekRotationBatchPrepared":
        return { ...state, prepared: { batch: event.data.batch, batchId: event.data.batch_id, secretIds: event.data.secret_ids } };
      case "CmekRotationBatchApplied":
        return { ...state, prepared: null, batches: event.data.batch, processed: state.processed + event.data.processed };
      case "CmekRotationPaused":
        return { ...state, status: "paused" };
      case "CmekRotationResumed":
        return { ...state, status: "running" };
      case "CmekRotationCompleted":
        return { ...state, status: "completed" };
      case "CmekRotationFailed":
        return { ...state, status: "failed" };
    }
  },

  decide(command, state) {
    const ids = { job_id: command.jobId, vault_id: command.vaultId, org_id: command.orgId };
    switch (command.type) {
      case "StartCmekRotation":
        if (state.status !== "absent") return []; // started already: a retry of the same request
        return [CmekRotationStarted.of({
          ...ids, old_fingerprint: command.oldFingerprint, new_fingerprint: command.newFingerprint,
          total_secrets: command.totalSecrets, requested_by: command.by,
        })];
      case "PrepareCmekBatch": {
        const job = running(state, command.jobId, "prepare a batch");
        if (job.prepared) throw new CmekJobStateConflict(`batch ${job.prepared.batch} is prepared and not yet applied`);
        return [CmekRotationBatchPrepared.of({ ...ids, batch: job.batches + 1, batch_id: command.batchId, secret_ids: command.secretIds })];
      }
      case "ApplyCmekBatch": {
        // Applying needs no key: a paused job's prepared batch is applied too.
        const job = existing(state, command.jobId);
        if (job.prepared?.batchId !== command.batchId) return [];
        return [CmekRotationBatchApplied.of({ ...ids, batch: job.prepared.batch, processed: command.processed })];
      }
      case "PauseCmekRotation":
        return existing(state, command.jobId).status === "running" ? [CmekRotationPaused.of({ ...ids, reason: command.reason })] : [];
      case "ResumeCmekRotation": {
        const job = existing(state, command.jobId);
        if (job.status === "running") return [];
        if (job.status !== "paused") throw new CmekJobStateConflict(`the job is ${job.status} and cannot be resumed`);
        return [CmekRotationResumed.of({ ...ids, resumed_by: command.by })];
      }
      case "CompleteCmekRotation": {
        const job = running(state, command.jobId, "complete");
        if (job.prepared) throw new CmekJobStateConflict(`batch ${job.prepared.batch} is prepared and not yet applied`);
        return [CmekRotationCompleted.of(ids)];
      }
      case "FailCmekRotation": {
        const job = existing(state, command.jobId);
        if (job.status === "completed" || job.status === "failed") return [];
        return [CmekRotationFailed.of({ ...ids, error: command.error })];
      }
    }
  },
};

export const cmekRotationAggregate = defineAggregate("cmek_rotation", cmekRotationDecider, readCmekRotationEvent);
