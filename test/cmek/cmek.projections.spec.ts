/**
 * The read models CMEK reads: rotation jobs with their progress (what GET …/cmek-rotate/{job_id} shows), the
 * vault's key in force and rotation slot, and each secret version's fingerprint (what rotation selects by).
 */
import { randomUUID } from "node:crypto";
import {
  CmekRotationBatchApplied, CmekRotationCompleted, CmekRotationFailed, CmekRotationPaused, CmekRotationResumed,
  CmekRotationStarted,
} from "../../events/cmek-rotation.js";
import { SecretCmekResealed, SecretVersionAdded } from "../../events/secret.js";
import {
  VaultCmekDisabled, VaultCmekEnabled, VaultCmekRotated, VaultCmekRotationAbandoned, VaultCmekRotationBegan, VaultCreated,
} from "../../events/vault.js";
import { cmekRotationJobsProjection } from "../../projections/cmek-rotation-jobs.js";
import { secretsProjection } from "../../projections/secrets.js";
import { vaultsProjection } from "../../projections/vaults.js";
import { describeProjection, fact } from "../support/projection-spec.js";

const [fpOld, fpNew] = ["a".repeat(64), "b".repeat(64)];
const by = { type: "user" as const, id: randomUUID() };

describe("CMEK rotation jobs read model", () => {
  const spec = describeProjection(cmekRotationJobsProjection);
  const ids = { job_id: randomUUID(), vault_id: randomUUID(), org_id: randomUUID() };
  const started = CmekRotationStarted.of({ ...ids, old_fingerprint: fpOld, new_fingerprint: fpNew, total_secrets: 250, requested_by: by });
  const applied = (batch: number, processed: number) => CmekRotationBatchApplied.of({ ...ids, batch, processed });
  const row = `select status, total_secrets, processed, batches, error, started_at, completed_at from cmek_rotation_jobs`;

  it("counts applied batches into the progress and completes", async () => {
    await (await spec().given(
      fact(started, { at: new Date("2026-05-01T10:00:00Z") }), applied(1, 100), applied(2, 100), applied(3, 50),
      fact(CmekRotationCompleted.of(ids), { at: new Date("2026-05-01T10:05:00Z") }),
    )).expectRows(row, [{ status: "completed", total_secrets: 250, processed: 250, batches: 3, error: null,
      started_at: new Date("2026-05-01T10:00:00Z"), completed_at: new Date("2026-05-01T10:05:00Z") }]);
  });

  it("shows a paused job with why, and running again once resumed", async () => {
    const s = spec();
    await (await s.given(fact(started, { at: new Date("2026-05-01T10:00:00Z") }), applied(1, 100),
      CmekRotationPaused.of({ ...ids, reason: "restarted" }))).expectRows(row,
      [{ status: "paused", total_secrets: 250, processed: 100, batches: 1, error: "restarted",
        started_at: new Date("2026-05-01T10:00:00Z"), completed_at: null }]);
    await (await s.given(CmekRotationResumed.of({ ...ids, resumed_by: by }))).expectRows(
      `select status, error from cmek_rotation_jobs`, [{ status: "running", error: null }]);
  });

  it("keeps a failed job's error", async () => {
    await (await spec().given(started, fact(CmekRotationFailed.of({ ...ids, error: "secret x is not a blob" }),
      { at: new Date("2026-05-02T00:00:00Z") })))
      .expectRows(`select status, error, completed_at from cmek_rotation_jobs`,
        [{ status: "failed", error: "secret x is not a blob", completed_at: new Date("2026-05-02T00:00:00Z") }]);
  });
});

describe("vaults read model: customer-managed keys", () => {
  const spec = describeProjection(vaultsProjection);
  const ids = { vault_id: randomUUID(), org_id: randomUUID() };
  const job = randomUUID();
  const created = VaultCreated.of({ ...ids, name: "prod", kek_id: "k", created_by: by });
  const query = `select cmek_fingerprint, cmek_rotation_job_id from vaults`;

  it("shows the key in force and the rotation holding the slot", async () => {
    const s = spec();
    await (await s.given(created, VaultCmekEnabled.of({ ...ids, fingerprint: fpOld, enabled_by: by }),
      VaultCmekRotationBegan.of({ ...ids, job_id: job, old_fingerprint: fpOld, new_fingerprint: fpNew, requested_by: by })))
      .expectRows(query, [{ cmek_fingerprint: fpOld, cmek_rotation_job_id: job }]);
    await (await s.given(VaultCmekRotated.of({ ...ids, job_id: job, old_fingerprint: fpOld, new_fingerprint: fpNew })))
      .expectRows(query, [{ cmek_fingerprint: fpNew, cmek_rotation_job_id: null }]);
    await (await s.given(VaultCmekDisabled.of({ ...ids, fingerprint: fpNew, disabled_by: by })))
      .expectRows(query, [{ cmek_fingerprint: null, cmek_rotation_job_id: null }]);
  });

  it("keeps the old key when a rotation is abandoned", async () => {
    await (await spec().given(created, VaultCmekEnabled.of({ ...ids, fingerprint: fpOld, enabled_by: by }),
      VaultCmekRotationBegan.of({ ...ids, job_id: job, old_fingerprint: fpOld, new_fingerprint: fpNew, requested_by: by }),
      VaultCmekRotationAbandoned.of({ ...ids, job_id: job, reason: "failed" })))
      .expectRows(query, [{ cmek_fingerprint: fpOld, cmek_rotation_job_id: null }]);
  });
});

describe("secrets read model: CMEK fingerprints of versions", () => {
  const spec = describeProjection(secretsProjection);
  const place = { secret_id: randomUUID(), vault_id: randomUUID(), org_id: randomUUID(), path: "db/pw" };
  const sealed = { alg: "A256GCM+DEK-wrapped/v1" as const, kekId: "k", wrappedKey: "w", iv: "i", ciphertext: "c", tag: "t" };
  const version = (n: number, fingerprint: string | null) =>
    SecretVersionAdded.of({ ...place, version: n, type: "password", sealed, size: 40, written_by: by, cmek_fingerprint: fingerprint });

  it("records each version's key and moves re-sealed ones to the new key", async () => {
    await (await spec().given(version(1, fpOld), version(2, null), version(3, fpOld),
      SecretCmekResealed.of({ ...place, job_id: randomUUID(), versions: [1, 3].map((n) => ({ version: n, sealed, cmek_fingerprint: fpNew })) })))
      .expectRows(`select version, cmek_fingerprint from secret_versions order by version`,
        [{ version: 1, cmek_fingerprint: fpNew }, { version: 2, cmek_fingerprint: null }, { version: 3, cmek_fingerprint: fpNew }]);
  });
});
