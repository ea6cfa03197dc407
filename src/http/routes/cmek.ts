/**
 * Customer-managed encryption keys (the reference's CMEK tag): enable, disable, start a rotation (202 with the
 * job's URL in Location), poll the job. The rotation keys come in headers and go straight to the service.
 */
import type { z } from "zod";
import { CmekJobParams, CmekRotateRequest, CmekRotationJobResponse, CmekVaultParams, EnableCmekRequest } from "../../api/cmek.js";
import { VaultResponse } from "../../api/vaults.js";
import type { Services } from "../../app/services.js";
import { requestMetadata } from "../../auth/metadata.js";
import type { CmekRotationJob } from "../../cmek/queries.js";
import type { CmekRotationRunner } from "../../cmek/rotation.js";
import { disableCmek, enableCmek, getCmekRotationJob, requestCmekRotation } from "../../cmek/service.js";
import { defineRoute, type Route } from "../route.js";
import { toVaultResponse } from "./vaults.js";

function toJobResponse(job: CmekRotationJob): z.input<typeof CmekRotationJobResponse> {
  return {
    id: job.id, vault_id: job.vaultId, old_fingerprint: job.oldFingerprint, new_fingerprint: job.newFingerprint,
    status: job.status, total_secrets: job.totalSecrets, processed: job.processed, error: job.error ?? undefined,
    started_at: job.startedAt.toISOString(), completed_at: job.completedAt?.toISOString(), created_at: job.createdAt.toISOString(),
  };
}

export function cmekRoutes(services: Services, runner: CmekRotationRunner): Route[] {
  const tags = ["CMEK"];
  return [
    defineRoute({
      method: "POST", path: "/v1/vaults/{vault_id}/cmek", summary: "Enable CMEK on a vault (business tier and above)",
      operationId: "enableCmek", tags, auth: "required", request: { params: CmekVaultParams, body: EnableCmekRequest },
      responses: { 200: VaultResponse },
    }).handle(async ({ params, body, principal, request }) => {
      const vault = await enableCmek(services, principal, params.vault_id, body.fingerprint, requestMetadata(request, principal));
      return { status: 200, body: toVaultResponse(vault) };
    }),

    defineRoute({
      method: "DELETE", path: "/v1/vaults/{vault_id}/cmek",
      summary: "Disable CMEK (values already written stay encrypted under their key; new writes are HSM-only)",
      operationId: "disableCmek", tags, auth: "required", request: { params: CmekVaultParams }, responses: { 200: VaultResponse },
    }).handle(async ({ params, principal, request }) => {
      const vault = await disableCmek(services, principal, params.vault_id, requestMetadata(request, principal));
      return { status: 200, body: toVaultResponse(vault) };
    }),

    defineRoute({
      method: "POST", path: "/v1/vaults/{vault_id}/cmek-rotate",
      summary: "Start (or resume) server-assisted CMEK rotation; keys in x-cmek-old-key and x-cmek-new-key",
      operationId: "rotateCmek", tags, auth: "required", request: { params: CmekVaultParams, body: CmekRotateRequest },
      responses: { 202: CmekRotationJobResponse },
    }).handle(async ({ params, body, principal, request }) => {
      const job = await requestCmekRotation(services, runner, principal, params.vault_id, {
        oldKey: request.header?.("x-cmek-old-key"), newKey: request.header?.("x-cmek-new-key"), newFingerprint: body.new_fingerprint,
      }, requestMetadata(request, principal));
      return {
        status: 202, body: toJobResponse(job),
        headers: { location: `/v1/vaults/${job.vaultId}/cmek-rotate/${job.id}` },
      };
    }),

    defineRoute({
      method: "GET", path: "/v1/vaults/{vault_id}/cmek-rotate/{job_id}", summary: "Get CMEK rotation job status",
      operationId: "getCmekRotationJob", tags, auth: "required", request: { params: CmekJobParams },
      responses: { 200: CmekRotationJobResponse },
    }).handle(async ({ params, principal }) => {
      const job = await getCmekRotationJob(services, principal, params.vault_id, params.job_id);
      return { status: 200, body: toJobResponse(job) };
    }),
  ];
}
