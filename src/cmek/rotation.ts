/**
 * Runs CMEK rotation jobs in this process. The customer's two keys exist only here, in the closure of a
 * running job: never in an event, a log line or an error. Each batch of up to 100 secrets is re-encrypted
 * in memory (unseal under the vault's KEK, decrypt with the old key, encrypt with the new key and a fresh IV,
 * seal again), written whole to its batch stream, committed by `CmekRotationBatchPrepared`, then applied to
 * its secrets; applying needs no key, so a batch past its commit point is finished after a crash as well.
 *
 * A process that ends takes the keys with it: at start-up, jobs the log shows running are finished up to
 * their last committed batch and paused; the client resumes one by posting the same keys again.
 */
import { randomUUID } from "node:crypto";
import { cmekRotationAggregate, CMEK_BATCH_SIZE, type CmekRotationState } from "../../commands/cmek-rotation.js";
import { secretAggregate } from "../../commands/secret.js";
import { vaultAggregate } from "../../commands/vault.js";
import { CmekBatchResealed, readCmekBatchEvent } from "../../events/cmek-rotation.js";
import { loadAggregate } from "../app/aggregates.js";
import type { Services } from "../app/services.js";
import { streamName, type EventMetadata } from "../eventstore/port.js";
import { sealValue } from "../keys/envelope.js";
import { openSecretVersion } from "../secrets/open-version.js";
import { CmekDecryptionFailed, decryptCmek, encryptCmek } from "../sdk/cmek.js";
import { runningCmekJobs, secretsOnCmekKey } from "./queries.js";
import { whileHoldingLock } from "../db/advisory-lock.js";

/** The advisory lock a job's running process holds (db/advisory-lock.ts). */
const jobLock = (jobId: string) => `cmek-rotation:${jobId}`;

type RotationServices = Pick<Services, "db" | "store" | "bus" | "keys" | "logger" | "config">;

export interface CmekKeyPair {
  oldKey: Uint8Array;
  newKey: Uint8Array;
}

export interface JobRef {
  jobId: string;
  vaultId: string;
  orgId: string;
}

type RunningJob = Exclude<CmekRotationState, { status: "absent" }>;
type RunningJobRow = Awaited<ReturnType<typeof runningCmekJobs>>[number];

/** A value under the old fingerprint that the old key does not open: the job fails (nothing is guessed). */
class CmekValueUnreadable extends Error {
  constructor(readonly path: string, readonly version: number) {
    super(`secret "${path}" version ${version} is not a CMEK v1 blob under the old key; the vault keeps its old key`);
    this.name = "CmekValueUnreadable";
  }
}

/** Ciphertext per batch event, at most (EventStoreDB refuses events over 16 MB by default). */
const MAX_BATCH_BYTES = 4 * 1024 * 1024;

const SYSTEM_METADATA: EventMetadata = { actor: { type: "system", id: "00000000-0000-0000-0000-000000000000" } };

export class CmekRotationRunner {
  private readonly active = new Map<string, Promise<void>>();
  private stopping = false;

  constructor(private readonly services: RotationServices) {}

  isRunning(jobId: string): boolean {
    return this.active.has(jobId);
  }

  /** Runs the job in the background with these keys; the keys are dropped when it ends, whatever the outcome. */
  start(job: JobRef, keys: CmekKeyPair, metadata: EventMetadata): boolean {
    if (this.active.has(job.jobId) || this.stopping) return false;
    const run = this.run(job, keys, metadata)
      .catch((error: unknown) => this.services.logger.error({ job_id: job.jobId, err: describeError(error) }, "CMEK rotation job ended in error"))
      .finally(() => {
        keys.oldKey.fill(0);
        keys.newKey.fill(0);
        this.active.delete(job.jobId);
      });
    this.active.set(job.jobId, run);
    return true;
  }

  /**
   * At start-up: every job the log shows running has lost its keys with the previous process. Its committed
   * batch, if any, is applied (no key needed), then it is paused until the client posts the keys again. Jobs
   * another API process runs are left alone. Answers how many jobs were recovered.
   */
  async recoverInterrupted(): Promise<number> {
    const jobs = await runningCmekJobs(this.services.db);
    let recovered = 0;
    for (const job of jobs) {
      if (this.active.has(job.id)) continue;
      // A job another API process is running holds its lock: it was not interrupted.
      const { ran } = await whileHoldingLock(this.services.db, jobLock(job.id), () => this.recover(job));
      if (ran) recovered += 1;
    }
    return recovered;
  }

  private async recover(job: RunningJobRow): Promise<void> {
    const ref = { jobId: job.id, vaultId: job.vaultId, orgId: job.orgId };
    const state = await this.load(ref);
    if (state.prepared) {
      await this.applyPrepared(state, SYSTEM_METADATA);
      this.services.logger.info({ job_id: job.id, batch: state.prepared.batch },
        "CMEK rotation: applied the batch committed before the restart");
    }
    const vault = await loadAggregate(this.services.store, vaultAggregate, job.vaultId);
    if (vault.status === "active" && vault.cmekRotation?.jobId !== job.id && vault.cmekFingerprint === job.newFingerprint) {
      // The vault had already put the new key in force: only the job's own last event was missing.
      await this.services.bus.handle(cmekRotationAggregate, job.id, { type: "CompleteCmekRotation", ...ref }, { metadata: SYSTEM_METADATA });
      return;
    }
    await this.services.bus.handle(cmekRotationAggregate, job.id, {
      type: "PauseCmekRotation", ...ref, reason: "the server restarted and the keys were not kept; post them again to resume",
    }, { metadata: SYSTEM_METADATA });
    this.services.logger.warn({ job_id: job.id, vault_id: job.vaultId, processed: state.processed, total: state.totalSecrets },
      "CMEK rotation job paused after a restart: waiting for the client to post the keys again");
  }

  /** On shutdown: running jobs stop after their current batch and pause (their keys go with this process). */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.active.values()]);
  }

  private async load(job: JobRef): Promise<RunningJob> {
    const state = await loadAggregate(this.services.store, cmekRotationAggregate, job.jobId);
    if (state.status === "absent") throw new Error(`CMEK rotation job ${job.jobId} has no events`);
    return state;
  }

  /** Runs the job unless another API process already does (its lock is held): that one has the keys too. */
  private async run(job: JobRef, keys: CmekKeyPair, metadata: EventMetadata): Promise<void> {
    const { ran } = await whileHoldingLock(this.services.db, jobLock(job.jobId), () => this.runHere(job, keys, metadata));
    if (!ran) this.services.logger.info({ job_id: job.jobId }, "CMEK rotation job already runs in another API process");
  }

  private async runHere(job: JobRef, keys: CmekKeyPair, metadata: EventMetadata): Promise<void> {
    const { bus, logger, config } = this.services;
    try {
      for (;;) {
        const state = await this.load(job);
        if (state.status !== "running") return;
        if (state.prepared) {
          await this.applyPrepared(state, metadata);
          logger.info({ job_id: job.jobId, vault_id: job.vaultId, batch: state.prepared.batch,
            processed: state.processed + state.prepared.secretIds.length, total: state.totalSecrets }, "CMEK rotation batch applied");
          if (config.cmekBatchPauseMs > 0) await new Promise((resolve) => setTimeout(resolve, config.cmekBatchPauseMs));
          continue;
        }
        if (this.stopping) {
          await bus.handle(cmekRotationAggregate, job.jobId, { type: "PauseCmekRotation", ...job,
            reason: "the server shut down; post the keys again to resume" }, { metadata });
          return;
        }
        const due = await secretsOnCmekKey(this.services.db, job.vaultId, state.oldFingerprint, CMEK_BATCH_SIZE);
        if (due.length === 0) {
          // The vault first: a job shown completed has its key in force. A crash in between is finished at start-up.
          await bus.handle(vaultAggregate, job.vaultId, { type: "FinishCmekRotation", ...job }, { metadata });
          await bus.handle(cmekRotationAggregate, job.jobId, { type: "CompleteCmekRotation", ...job }, { metadata });
          logger.info({ job_id: job.jobId, vault_id: job.vaultId, processed: state.processed, total: state.totalSecrets },
            "CMEK rotation job completed");
          return;
        }
        await this.prepare(state, due, keys, metadata);
      }
    } catch (error) {
      if (error instanceof CmekValueUnreadable) {
        await bus.handle(cmekRotationAggregate, job.jobId, { type: "FailCmekRotation", ...job, error: error.message }, { metadata });
        await bus.handle(vaultAggregate, job.vaultId, { type: "AbandonCmekRotation", ...job, reason: error.message }, { metadata });
        logger.warn({ job_id: job.jobId, vault_id: job.vaultId, err: error.message }, "CMEK rotation job failed");
        return;
      }
      // Anything else (a store that stopped answering, ...) may pass: pause, so the client can resume.
      await bus.handle(cmekRotationAggregate, job.jobId, { type: "PauseCmekRotation", ...job,
        reason: "the job was interrupted by an internal error; post the keys again to resume" }, { metadata })
        .catch(() => undefined);
      throw error;
    }
  }

  /** Re-encrypts the secrets' versions still under the old key, writes the batch, and commits it. */
  private async prepare(job: RunningJob, secretIds: string[], keys: CmekKeyPair, metadata: EventMetadata): Promise<void> {
    const { store, keys: provider, bus } = this.services;
    const vault = await loadAggregate(store, vaultAggregate, job.vaultId);
    if (vault.status !== "active") throw new Error(`vault ${job.vaultId} is no longer active`);
    const secrets = [];
    let batchBytes = 0;
    for (const secretId of secretIds) {
      const secret = await loadAggregate(store, secretAggregate, secretId);
      if (secret.status === "absent") continue;
      const versions = [];
      for (const version of secret.versions.values()) {
        if (version.cmekFingerprint !== job.oldFingerprint) continue;
        const blob = await openSecretVersion(provider, { vaultId: job.vaultId, secretId }, version);
        let plaintext: Uint8Array;
        try {
          plaintext = await decryptCmek(keys.oldKey, blob);
        } catch (error) {
          if (error instanceof CmekDecryptionFailed) throw new CmekValueUnreadable(secret.path, version.version);
          throw error;
        }
        const rewritten = await encryptCmek(keys.newKey, plaintext);
        plaintext.fill(0);
        const sealed = await sealValue(provider, { kekId: vault.kekId, vaultId: job.vaultId, secretId, version: version.version },
          Buffer.from(rewritten, "utf8"));
        versions.push({ version: version.version, sealed, cmek_fingerprint: job.newFingerprint });
      }
      if (versions.length > 0) secrets.push({ secret_id: secretId, path: secret.path, versions });
      batchBytes += versions.reduce((sum, v) => sum + v.sealed.ciphertext.length, 0);
      // Large values make a smaller batch: the rest come in the next one (one event stays well under 16 MB).
      if (batchBytes >= MAX_BATCH_BYTES) break;
    }
    if (secrets.length === 0) {
      // The read model has not caught up with the last batch yet: ask it again shortly.
      await new Promise((resolve) => setTimeout(resolve, 100));
      return;
    }
    const batchId = randomUUID();
    const ids = { job_id: job.jobId, vault_id: job.vaultId, org_id: job.orgId };
    await bus.record(streamName("cmek_batch", batchId), [CmekBatchResealed.of({ ...ids, batch_id: batchId, secrets })], { metadata });
    await bus.handle(cmekRotationAggregate, job.jobId, {
      type: "PrepareCmekBatch", jobId: job.jobId, vaultId: job.vaultId, orgId: job.orgId, batchId,
      secretIds: secrets.map((secret) => secret.secret_id),
    }, { metadata, readYourWrites: false });
    this.services.logger.debug({ job_id: job.jobId, batch: job.batches + 1, secrets: secrets.length }, "CMEK rotation batch prepared");
  }

  /** Applies the committed batch to each of its secrets (idempotent), then records it applied. */
  private async applyPrepared(job: RunningJob, metadata: EventMetadata): Promise<void> {
    const prepared = job.prepared!;
    const { store, bus } = this.services;
    const [recorded] = await store.readStream(streamName("cmek_batch", prepared.batchId));
    if (!recorded) throw new Error(`CMEK batch ${prepared.batchId} of job ${job.jobId} is missing`);
    const batch = readCmekBatchEvent(recorded);
    for (const secret of batch.data.secrets) {
      await bus.handle(secretAggregate, secret.secret_id, {
        type: "ResealCmekVersions", secretId: secret.secret_id, vaultId: job.vaultId, orgId: job.orgId, path: secret.path,
        jobId: job.jobId, fromFingerprint: job.oldFingerprint,
        versions: secret.versions.map((v) => ({ version: v.version, sealed: v.sealed, cmekFingerprint: v.cmek_fingerprint })),
      }, { metadata, readYourWrites: false });
    }
    // Waits for the read models: the next selection of secrets on the old key must not see this batch's.
    await bus.handle(cmekRotationAggregate, job.jobId, {
      type: "ApplyCmekBatch", jobId: job.jobId, vaultId: job.vaultId, orgId: job.orgId, batchId: prepared.batchId,
      processed: batch.data.secrets.length,
    }, { metadata });
  }
}

/** An error for a log line: its name and message only (ours never carry keys; a stack adds nothing here). */
function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
