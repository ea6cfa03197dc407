/**
 * Customer-managed keys on a vault: enable and disable (by fingerprint), start or resume a rotation job,
 * read a job. Organisation owners and admins only, on the business tier and above. The keys posted for a
 * rotation are checked against the fingerprints before anything is recorded, then handed to the runner.
 */
import { randomUUID } from "node:crypto";
import { cmekRotationAggregate, CmekJobNotFound } from "../../commands/cmek-rotation.js";
import { Forbidden, Invalid } from "../../commands/errors.js";
import { CmekKeyMismatch, CmekRotationInProgress, vaultAggregate, VaultNotFound } from "../../commands/vault.js";
import { loadAggregate } from "../app/aggregates.js";
import type { Services } from "../app/services.js";
import { actorOf, type Principal } from "../auth/principal.js";
import type { EventMetadata } from "../eventstore/port.js";
import { findVaultById, type VaultRecord } from "../vaults/queries.js";
import { CMEK_KEY_BYTES, cmekFingerprint, fromBase64 } from "../sdk/cmek.js";
import { countSecretsOnCmekKey, findCmekJob, type CmekRotationJob } from "./queries.js";
import type { CmekRotationRunner } from "./rotation.js";
import { orgTier, tierAllowsCmek } from "./tier.js";

type CmekServices = Pick<Services, "db" | "store" | "bus" | "config" | "clock">;

export class CmekForbidden extends Forbidden {
  constructor(detail: string) {
    super(detail);
    this.name = "CmekForbidden";
  }
}

/** A key header that is not the base64 of 32 bytes. The header's content is never repeated back. */
export class CmekKeyMalformed extends Invalid {
  constructor(header: string) {
    super(`${header} must be the standard base64 of a ${CMEK_KEY_BYTES}-byte key`);
    this.name = "CmekKeyMalformed";
  }
}

/** Owners and admins of an organisation whose tier includes CMEK; the vault must be the organisation's and alive. */
async function cmekVault(services: CmekServices, principal: Principal, vaultId: string): Promise<VaultRecord> {
  if (principal.type !== "user" || (principal.role !== "owner" && principal.role !== "admin")) {
    throw new CmekForbidden("only organisation owners and admins may manage customer-managed keys");
  }
  const tier = await orgTier(services, principal.orgId);
  if (!tierAllowsCmek(tier)) {
    throw new CmekForbidden(`customer-managed keys need the business tier or above; the organisation is on the ${tier} tier`);
  }
  const vault = await findVaultById(services.db, vaultId);
  if (!vault || vault.deletedAt || vault.orgId !== principal.orgId) throw new VaultNotFound(vaultId);
  return vault;
}

async function reread(services: CmekServices, vaultId: string): Promise<VaultRecord> {
  const vault = await findVaultById(services.db, vaultId);
  if (!vault) throw new VaultNotFound(vaultId);
  return vault;
}

export async function enableCmek(
  services: CmekServices, principal: Principal, vaultId: string, fingerprint: string, metadata: EventMetadata,
): Promise<VaultRecord> {
  await cmekVault(services, principal, vaultId);
  await services.bus.handle(vaultAggregate, vaultId,
    { type: "EnableCmek", vaultId, orgId: principal.orgId, fingerprint, by: actorOf(principal) }, { metadata });
  return reread(services, vaultId);
}

export async function disableCmek(
  services: CmekServices, principal: Principal, vaultId: string, metadata: EventMetadata,
): Promise<VaultRecord> {
  await cmekVault(services, principal, vaultId);
  await services.bus.handle(vaultAggregate, vaultId,
    { type: "DisableCmek", vaultId, orgId: principal.orgId, by: actorOf(principal) }, { metadata });
  return reread(services, vaultId);
}

function decodeKey(header: string, value: string | undefined): Uint8Array {
  const bytes = fromBase64(value ?? "");
  if (bytes?.length !== CMEK_KEY_BYTES) throw new CmekKeyMalformed(header);
  return bytes;
}

export interface RotationRequest {
  oldKey: string | undefined;
  newKey: string | undefined;
  newFingerprint: string;
}

/**
 * Starts a rotation, or resumes the vault's job when the same rotation is posted again (after a restart the
 * job waits, paused, for exactly this). Every check that can refuse comes before anything is recorded.
 */
export async function requestCmekRotation(
  services: CmekServices, runner: CmekRotationRunner, principal: Principal, vaultId: string, request: RotationRequest,
  metadata: EventMetadata,
): Promise<CmekRotationJob> {
  await cmekVault(services, principal, vaultId);
  const oldKey = decodeKey("x-cmek-old-key", request.oldKey);
  const newKey = decodeKey("x-cmek-new-key", request.newKey);
  if ((await cmekFingerprint(newKey)) !== request.newFingerprint) {
    throw new CmekKeyMismatch("new_fingerprint is not the SHA-256 of x-cmek-new-key");
  }
  const oldFingerprint = await cmekFingerprint(oldKey);
  const orgId = principal.orgId;
  const by = actorOf(principal);
  const vault = await loadAggregate(services.store, vaultAggregate, vaultId);
  if (vault.status !== "active") throw new VaultNotFound(vaultId);

  let jobId = vault.cmekRotation?.jobId;
  if (vault.cmekRotation) {
    if (vault.cmekRotation.newFingerprint !== request.newFingerprint) throw new CmekRotationInProgress(vault.cmekRotation.jobId);
    if (vault.cmekRotation.oldFingerprint !== oldFingerprint) {
      throw new CmekKeyMismatch("x-cmek-old-key is not the key the running rotation rotates from");
    }
    const job = await loadAggregate(services.store, cmekRotationAggregate, vault.cmekRotation.jobId);
    if (job.status === "failed") {
      // The job failed and its process ended before the vault freed the slot: free it, and start a new job.
      await services.bus.handle(vaultAggregate, vaultId,
        { type: "AbandonCmekRotation", vaultId, orgId, jobId: vault.cmekRotation.jobId, reason: "the job had failed" }, { metadata });
      jobId = undefined;
    }
  }
  if (!jobId) {
    jobId = randomUUID();
    await services.bus.handle(vaultAggregate, vaultId, {
      type: "BeginCmekRotation", vaultId, orgId, jobId, oldFingerprint, newFingerprint: request.newFingerprint, by,
    }, { metadata, readYourWrites: false });
  }
  const ref = { jobId, vaultId, orgId };
  const job = await loadAggregate(services.store, cmekRotationAggregate, jobId);
  if (job.status === "absent") {
    const totalSecrets = await countSecretsOnCmekKey(services.db, vaultId, oldFingerprint);
    await services.bus.handle(cmekRotationAggregate, jobId, {
      type: "StartCmekRotation", ...ref, oldFingerprint, newFingerprint: request.newFingerprint, totalSecrets, by,
    }, { metadata });
  } else if (job.status === "paused") {
    await services.bus.handle(cmekRotationAggregate, jobId, { type: "ResumeCmekRotation", ...ref, by }, { metadata });
  }
  // Already running here (a repeated post): this request's copy of the keys is not needed.
  if (!runner.start(ref, { oldKey, newKey }, metadata)) {
    oldKey.fill(0);
    newKey.fill(0);
  }
  const row = await findCmekJob(services.db, jobId);
  if (!row) throw new Error(`CMEK rotation job ${jobId} is not in the read model after its start`);
  return row;
}

export async function getCmekRotationJob(
  services: CmekServices, principal: Principal, vaultId: string, jobId: string,
): Promise<CmekRotationJob> {
  await cmekVault(services, principal, vaultId);
  const job = await findCmekJob(services.db, jobId);
  if (!job || job.vaultId !== vaultId) throw new CmekJobNotFound(jobId);
  return job;
}
