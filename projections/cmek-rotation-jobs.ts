/**
 * The CMEK rotation jobs read model: one row per job with its progress, as `GET …/cmek-rotate/{job_id}`
 * answers it. Only fingerprints and counts: the customer's keys are never in any event to begin with.
 */
import {
  CmekRotationBatchApplied, CmekRotationCompleted, CmekRotationFailed, CmekRotationPaused, CmekRotationResumed,
  CmekRotationStarted,
} from "../events/cmek-rotation.js";
import { occurredAt } from "../events/recorded.js";
import { on, projection } from "./projection.js";

export const cmekRotationJobsProjection = projection({
  name: "cmek_rotation_jobs",
  version: 1,
  tables: ["cmek_rotation_jobs"],
  schema: `
    create table cmek_rotation_jobs (
      id uuid primary key,
      vault_id uuid not null,
      org_id uuid not null,
      old_fingerprint text not null,
      new_fingerprint text not null,
      status text not null,
      total_secrets int not null,
      processed int not null,
      batches int not null,
      error text,
      created_at timestamptz not null,
      started_at timestamptz not null,
      updated_at timestamptz not null,
      completed_at timestamptz
    );
    create index cmek_rotation_jobs_status on cmek_rotation_jobs (status);`,
  handlers: [
    on(CmekRotationStarted, async (event, tx) => {
      const d = event.data;
      const at = occurredAt(event);
      await tx.query(
        `insert into cmek_rotation_jobs (id, vault_id, org_id, old_fingerprint, new_fingerprint, status, total_secrets,
           processed, batches, created_at, started_at, updated_at)
         values ($1, $2, $3, $4, $5, 'running', $6, 0, 0, $7, $7, $7)`,
        [d.job_id, d.vault_id, d.org_id, d.old_fingerprint, d.new_fingerprint, d.total_secrets, at],
      );
    }),
    on(CmekRotationBatchApplied, (event, tx) =>
      tx.query(`update cmek_rotation_jobs set processed = processed + $2, batches = $3, updated_at = $4 where id = $1`,
        [event.data.job_id, event.data.processed, event.data.batch, occurredAt(event)])),
    on(CmekRotationPaused, (event, tx) =>
      tx.query(`update cmek_rotation_jobs set status = 'paused', error = $2, updated_at = $3 where id = $1`,
        [event.data.job_id, event.data.reason, occurredAt(event)])),
    on(CmekRotationResumed, (event, tx) =>
      tx.query(`update cmek_rotation_jobs set status = 'running', error = null, updated_at = $2 where id = $1`,
        [event.data.job_id, occurredAt(event)])),
    on(CmekRotationCompleted, (event, tx) =>
      tx.query(`update cmek_rotation_jobs set status = 'completed', updated_at = $2, completed_at = $2 where id = $1`,
        [event.data.job_id, occurredAt(event)])),
    on(CmekRotationFailed, (event, tx) =>
      tx.query(`update cmek_rotation_jobs set status = 'failed', error = $2, updated_at = $3, completed_at = $3 where id = $1`,
        [event.data.job_id, event.data.error, occurredAt(event)])),
  ],
});
