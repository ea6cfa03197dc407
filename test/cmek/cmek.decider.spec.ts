/**
 * The CMEK rules as deciders: a vault's customer key and its one rotation slot; a rotation job's batches
 * (one prepared at a time, applied without a key), pause and resume; a secret re-sealed only where it is
 * still on the old key, so applying a batch twice changes nothing twice.
 */
import {
  cmekRotationDecider, CmekJobNotFound, CmekJobStateConflict,
} from "../../commands/cmek-rotation.js";
import { secretDecider } from "../../commands/secret.js";
import {
  CmekAlreadyEnabled, CmekKeyMismatch, CmekNotAllowed, CmekNotEnabled, CmekRotationInProgress, vaultDecider, VaultNotFound,
} from "../../commands/vault.js";
import {
  CmekRotationBatchApplied, CmekRotationBatchPrepared, CmekRotationCompleted, CmekRotationFailed, CmekRotationPaused,
  CmekRotationResumed, CmekRotationStarted,
} from "../../events/cmek-rotation.js";
import { SecretCmekResealed, SecretVersionAdded } from "../../events/secret.js";
import {
  VaultCmekDisabled, VaultCmekEnabled, VaultCmekRotated, VaultCmekRotationAbandoned, VaultCmekRotationBegan, VaultCreated,
  VaultDeleted,
} from "../../events/vault.js";
import { specFor } from "../support/decider.js";

const vaultId = "6f1d2a7e-0000-4000-8000-000000000001";
const orgId = "6f1d2a7e-0000-4000-8000-0000000000aa";
const jobId = "6f1d2a7e-0000-4000-8000-0000000000c1";
const otherJob = "6f1d2a7e-0000-4000-8000-0000000000c2";
const batchId = "6f1d2a7e-0000-4000-8000-0000000000b1";
const secretA = "6f1d2a7e-0000-4000-8000-0000000000a1";
const user = { type: "user" as const, id: "6f1d2a7e-0000-4000-8000-0000000000bb" };
const [fpOld, fpNew, fpOther] = ["a".repeat(64), "b".repeat(64), "c".repeat(64)];
const ids = { vault_id: vaultId, org_id: orgId };

const created = (system = false) => VaultCreated.of({ ...ids, name: "prod", kek_id: `vault-${vaultId}`, created_by: user, system });
const enabled = (fingerprint = fpOld) => VaultCmekEnabled.of({ ...ids, fingerprint, enabled_by: user });
const began = (job = jobId) => VaultCmekRotationBegan.of({ ...ids, job_id: job, old_fingerprint: fpOld, new_fingerprint: fpNew,
  requested_by: user });

describe("vault decider: customer-managed keys", () => {
  const spec = specFor(vaultDecider);
  const enable = (fingerprint = fpOld) => ({ type: "EnableCmek" as const, vaultId, orgId, fingerprint, by: user });
  const disable = { type: "DisableCmek" as const, vaultId, orgId, by: user };
  const begin = (oldFingerprint = fpOld, newFingerprint = fpNew, job = jobId) =>
    ({ type: "BeginCmekRotation" as const, vaultId, orgId, jobId: job, oldFingerprint, newFingerprint, by: user });

  it("enables CMEK with a fingerprint", () => spec.given(created()).when(enable()).then(enabled()));
  it("is idempotent for the same key", () => spec.given(created(), enabled()).when(enable()).then());
  it("sends another key through rotation", () => spec.given(created(), enabled()).when(enable(fpNew)).thenThrows(CmekAlreadyEnabled));
  it("never on the system vault", () => spec.given(created(true)).when(enable()).thenThrows(CmekNotAllowed));
  it("not on a deleted vault", () =>
    spec.given(created(), VaultDeleted.of({ ...ids, deleted_by: user, kek_destroyed: true })).when(enable()).thenThrows(VaultNotFound));
  it("disables, recording the key that was in force", () =>
    spec.given(created(), enabled()).when(disable).then(VaultCmekDisabled.of({ ...ids, fingerprint: fpOld, disabled_by: user })));
  it("disabling a vault without CMEK changes nothing", () => spec.given(created()).when(disable).then());

  it("begins a rotation from the key in force", () => spec.given(created(), enabled()).when(begin()).then(began()));
  it("refuses an old key that is not the key in force", () =>
    spec.given(created(), enabled()).when(begin(fpOther)).thenThrows(CmekKeyMismatch));
  it("refuses rotating to the same key", () => spec.given(created(), enabled()).when(begin(fpOld, fpOld)).thenThrows(CmekKeyMismatch));
  it("refuses a rotation without CMEK", () => spec.given(created()).when(begin()).thenThrows(CmekNotEnabled));
  it("holds one rotation at a time; the same job again changes nothing", () => {
    spec.given(created(), enabled(), began()).when(begin(fpOld, fpNew, otherJob)).thenThrows(CmekRotationInProgress);
    spec.given(created(), enabled(), began()).when(begin()).then();
  });
  it("refuses enabling or disabling during a rotation", () => {
    spec.given(created(), enabled(), began()).when(disable).thenThrows(CmekRotationInProgress);
    spec.given(created(), enabled(), began()).when(enable()).thenThrows(CmekRotationInProgress);
  });
  it("puts the new key in force when the job finishes, once", () => {
    const finish = { type: "FinishCmekRotation" as const, vaultId, orgId, jobId };
    spec.given(created(), enabled(), began()).when(finish)
      .then(VaultCmekRotated.of({ ...ids, job_id: jobId, old_fingerprint: fpOld, new_fingerprint: fpNew }));
    spec.given(created(), enabled(), began(), VaultCmekRotated.of({ ...ids, job_id: jobId, old_fingerprint: fpOld, new_fingerprint: fpNew }))
      .when(finish).then();
    // The new key is then the one a next rotation starts from.
    spec.given(created(), enabled(), began(), VaultCmekRotated.of({ ...ids, job_id: jobId, old_fingerprint: fpOld, new_fingerprint: fpNew }))
      .when(begin(fpOld, fpOther, otherJob)).thenThrows(CmekKeyMismatch);
  });
  it("frees the slot when the job is abandoned, keeping the old key", () => {
    const abandon = { type: "AbandonCmekRotation" as const, vaultId, orgId, jobId, reason: "bad value" };
    spec.given(created(), enabled(), began()).when(abandon)
      .then(VaultCmekRotationAbandoned.of({ ...ids, job_id: jobId, reason: "bad value" }));
    spec.given(created(), enabled(), began(), VaultCmekRotationAbandoned.of({ ...ids, job_id: jobId, reason: "bad value" }))
      .when(begin(fpOld, fpNew, otherJob)).then(began(otherJob));
  });
});

describe("CMEK rotation job decider", () => {
  const spec = specFor(cmekRotationDecider);
  const job = { jobId, vaultId, orgId };
  const jobIds = { job_id: jobId, ...ids };
  const started = CmekRotationStarted.of({ ...jobIds, old_fingerprint: fpOld, new_fingerprint: fpNew, total_secrets: 150,
    requested_by: user });
  const prepared = (batch = 1, id = batchId) => CmekRotationBatchPrepared.of({ ...jobIds, batch, batch_id: id, secret_ids: [secretA] });
  const applied = (batch = 1) => CmekRotationBatchApplied.of({ ...jobIds, batch, processed: 100 });
  const paused = CmekRotationPaused.of({ ...jobIds, reason: "restart" });
  const prepare = { type: "PrepareCmekBatch" as const, ...job, batchId, secretIds: [secretA] };
  const apply = { type: "ApplyCmekBatch" as const, ...job, batchId, processed: 100 };

  it("starts once", () => {
    spec.given().when({ type: "StartCmekRotation", ...job, oldFingerprint: fpOld, newFingerprint: fpNew, totalSecrets: 150, by: user })
      .then(started);
    spec.given(started).when({ type: "StartCmekRotation", ...job, oldFingerprint: fpOld, newFingerprint: fpNew, totalSecrets: 150, by: user })
      .then();
  });
  it("numbers batches", () => spec.given(started, prepared(), applied()).when(prepare).then(prepared(2)));
  it("prepares one batch at a time", () => spec.given(started, prepared()).when(prepare).thenThrows(CmekJobStateConflict));
  it("applies the prepared batch once", () => {
    spec.given(started, prepared()).when(apply).then(applied());
    spec.given(started, prepared(), applied()).when(apply).then();
  });
  it("applies a committed batch while paused (no key needed)", () => spec.given(started, prepared(), paused).when(apply).then(applied()));
  it("prepares nothing while paused", () => spec.given(started, paused).when(prepare).thenThrows(CmekJobStateConflict));
  it("resumes a paused job; a running one needs no resume", () => {
    spec.given(started, paused).when({ type: "ResumeCmekRotation", ...job, by: user })
      .then(CmekRotationResumed.of({ ...jobIds, resumed_by: user }));
    spec.given(started).when({ type: "ResumeCmekRotation", ...job, by: user }).then();
  });
  it("never resumes a finished job", () =>
    spec.given(started, CmekRotationCompleted.of(jobIds)).when({ type: "ResumeCmekRotation", ...job, by: user })
      .thenThrows(CmekJobStateConflict));
  it("completes only with no batch pending", () => {
    spec.given(started, prepared()).when({ type: "CompleteCmekRotation", ...job }).thenThrows(CmekJobStateConflict);
    spec.given(started, prepared(), applied()).when({ type: "CompleteCmekRotation", ...job }).then(CmekRotationCompleted.of(jobIds));
  });
  it("fails once, and not after completion", () => {
    spec.given(started).when({ type: "FailCmekRotation", ...job, error: "x" }).then(CmekRotationFailed.of({ ...jobIds, error: "x" }));
    spec.given(started, CmekRotationCompleted.of(jobIds)).when({ type: "FailCmekRotation", ...job, error: "x" }).then();
  });
  it("knows no job before it starts", () => spec.given().when(apply).thenThrows(CmekJobNotFound));
});

describe("secret decider: CMEK re-sealing", () => {
  const spec = specFor(secretDecider);
  const place = { secret_id: secretA, ...ids, path: "db/pw" };
  const sealed = (c: string) => ({ alg: "A256GCM+DEK-wrapped/v1" as const, kekId: "k", wrappedKey: "w", iv: "i", ciphertext: c, tag: "t" });
  const version = (n: number, fingerprint: string | null) => SecretVersionAdded.of({ ...place, version: n, type: "password",
    sealed: sealed(`v${n}`), size: 40, written_by: user, cmek_fingerprint: fingerprint });
  const reseal = {
    type: "ResealCmekVersions" as const, secretId: secretA, vaultId, orgId, path: "db/pw", jobId, fromFingerprint: fpOld,
    versions: [1, 2, 3].map((n) => ({ version: n, sealed: sealed(`new${n}`), cmekFingerprint: fpNew })),
  };
  const resealed = (...versions: number[]) => SecretCmekResealed.of({ ...place, job_id: jobId,
    versions: versions.map((n) => ({ version: n, sealed: sealed(`new${n}`), cmek_fingerprint: fpNew })) });

  it("re-seals the versions still on the old key, and only those", () =>
    spec.given(version(1, fpOld), version(2, null), version(3, fpOld)).when(reseal).then(resealed(1, 3)));
  it("changes nothing the second time (a batch applied again after a crash)", () =>
    spec.given(version(1, fpOld), version(3, fpOld), resealed(1, 3)).when(reseal).then());
});
