/**
 * CMEK rotation jobs: one stream per job (`cmek_rotation-<job id>`). A job re-encrypts a vault's values from
 * the old customer key to the new one in batches of up to 100 secrets. A batch is prepared in full first (its
 * re-sealed values written to a stream of their own, `cmek_batch-<batch id>`), and `CmekRotationBatchPrepared`
 * is its commit point: from then on the batch is applied to its secrets, after a crash too, with no key needed.
 * The customer's keys are never in any event: only fingerprints, ids and ciphertexts sealed under the vault's KEK.
 */
import { z } from "zod";
import { ActorSchema } from "./actor.js";
import { defineEvent, eventReader, type EventsOf } from "./define.js";
import { SealedValueSchema } from "./sealed-value.js";
import { CmekFingerprintSchema } from "./vault.js";

const job = { job_id: z.uuid(), vault_id: z.uuid(), org_id: z.uuid() };

export const CmekRotationStarted = defineEvent("CmekRotationStarted", z.object({
  ...job,
  old_fingerprint: CmekFingerprintSchema,
  new_fingerprint: CmekFingerprintSchema,
  /** Secrets with a version on the old key when the job started. */
  total_secrets: z.number().int().nonnegative(),
  requested_by: ActorSchema,
}));

/** The commit point of a batch: its re-sealed values are in `cmek_batch-<batch_id>`. */
export const CmekRotationBatchPrepared = defineEvent("CmekRotationBatchPrepared", z.object({
  ...job,
  batch: z.number().int().positive(),
  batch_id: z.uuid(),
  secret_ids: z.array(z.uuid()).min(1).max(100),
}));

/** Every secret of the prepared batch now holds its re-sealed values. */
export const CmekRotationBatchApplied = defineEvent("CmekRotationBatchApplied", z.object({
  ...job,
  batch: z.number().int().positive(),
  processed: z.number().int().nonnegative(),
}));

/** The job stopped without its keys (the process that held them ended): it waits for the client to post them again. */
export const CmekRotationPaused = defineEvent("CmekRotationPaused", z.object({ ...job, reason: z.string().max(1024) }));
export const CmekRotationResumed = defineEvent("CmekRotationResumed", z.object({ ...job, resumed_by: ActorSchema }));
export const CmekRotationCompleted = defineEvent("CmekRotationCompleted", z.object({ ...job }));
/** `error` says what went wrong in words for the client; never a key, a value or a stack. */
export const CmekRotationFailed = defineEvent("CmekRotationFailed", z.object({ ...job, error: z.string().max(1024) }));

export const cmekRotationEvents = [CmekRotationStarted, CmekRotationBatchPrepared, CmekRotationBatchApplied,
  CmekRotationPaused, CmekRotationResumed, CmekRotationCompleted, CmekRotationFailed] as const;
export type CmekRotationEvent = EventsOf<typeof cmekRotationEvents>;
export const readCmekRotationEvent = eventReader(cmekRotationEvents);

/** A prepared batch's values: per secret, each of its versions that was on the old key, re-sealed. */
export const CmekBatchResealed = defineEvent("CmekBatchResealed", z.object({
  ...job,
  batch_id: z.uuid(),
  secrets: z.array(z.object({
    secret_id: z.uuid(),
    path: z.string(),
    versions: z.array(z.object({
      version: z.number().int().positive(), sealed: SealedValueSchema, cmek_fingerprint: CmekFingerprintSchema,
    })).min(1),
  })).min(1).max(100),
}));

export const cmekBatchEvents = [CmekBatchResealed] as const;
export const readCmekBatchEvent = eventReader(cmekBatchEvents);
