/** Reads for CMEK: rotation jobs (their read model) and the secrets still on a customer key (secret_versions). */
import type { CmekJobStatus } from "../../commands/cmek-rotation.js";
import type { Queryable } from "../db/database.js";
import { isUuid, rowDate, rowOptionalDate } from "../db/rows.js";

export interface CmekRotationJob {
  id: string;
  vaultId: string;
  orgId: string;
  oldFingerprint: string;
  newFingerprint: string;
  status: CmekJobStatus;
  totalSecrets: number;
  processed: number;
  error: string | null;
  createdAt: Date;
  startedAt: Date;
  completedAt: Date | null;
}

interface JobRow {
  id: string; vault_id: string; org_id: string; old_fingerprint: string; new_fingerprint: string; status: CmekJobStatus;
  total_secrets: number; processed: number; error: string | null; created_at: Date | string; started_at: Date | string;
  completed_at: Date | string | null;
}

const SELECT_JOB = `select id, vault_id, org_id, old_fingerprint, new_fingerprint, status, total_secrets, processed, error,
  created_at, started_at, completed_at from cmek_rotation_jobs`;

function toJob(row: JobRow): CmekRotationJob {
  return {
    id: row.id, vaultId: row.vault_id, orgId: row.org_id, oldFingerprint: row.old_fingerprint,
    newFingerprint: row.new_fingerprint, status: row.status, totalSecrets: row.total_secrets, processed: row.processed,
    error: row.error, createdAt: rowDate(row.created_at), startedAt: rowDate(row.started_at),
    completedAt: rowOptionalDate(row.completed_at),
  };
}

export async function findCmekJob(db: Queryable, jobId: string): Promise<CmekRotationJob | undefined> {
  if (!isUuid(jobId)) return undefined;
  const row = (await db.query<JobRow>(`${SELECT_JOB} where id = $1`, [jobId])).rows[0];
  return row && toJob(row);
}

/** Jobs the read model shows as running: after a restart, those whose keys died with the previous process. */
export async function runningCmekJobs(db: Queryable): Promise<CmekRotationJob[]> {
  return (await db.query<JobRow>(`${SELECT_JOB} where status = 'running' order by created_at`)).rows.map(toJob);
}

/** Up to `limit` secrets of the vault with a version still under the customer key `fingerprint`, by id. */
export async function secretsOnCmekKey(db: Queryable, vaultId: string, fingerprint: string, limit: number): Promise<string[]> {
  const { rows } = await db.query<{ secret_id: string }>(
    `select distinct secret_id from secret_versions where vault_id = $1 and cmek_fingerprint = $2 order by secret_id limit $3`,
    [vaultId, fingerprint, limit]);
  return rows.map((row) => row.secret_id);
}

export async function countSecretsOnCmekKey(db: Queryable, vaultId: string, fingerprint: string): Promise<number> {
  const { rows } = await db.query<{ n: number | string }>(
    `select count(distinct secret_id) as n from secret_versions where vault_id = $1 and cmek_fingerprint = $2`,
    [vaultId, fingerprint]);
  return Number(rows[0]?.n ?? 0);
}
