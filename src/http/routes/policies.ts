/**
 * `/v1/vaults/{vault_id}/policies`: who may read or write which secrets of a vault. Managed by the vault's
 * creator (a human, or an agent within its bounds: src/access/manage.ts) and the organisation's owners and admins.
 */
import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { PolicyTerms } from "../../../commands/policy.js";
import { createPolicy, deletePolicy, requirePolicyManager, updatePolicy } from "../../access/manage.js";
import { listVaultPolicies, type PolicyRecord } from "../../access/policies.js";
import type { Services } from "../../app/services.js";
import { requestMetadata } from "../../auth/metadata.js";
import { defineRoute, type Route } from "../route.js";
import {
  CreatePolicyRequest, PolicyListResponse, PolicyParams, PolicyResponse, PolicyVaultParams as VaultParams, UpdatePolicyRequest,
} from "../../api/policies.js";

function toResponse(policy: PolicyRecord): z.input<typeof PolicyResponse> {
  return {
    id: policy.id,
    vault_id: policy.vaultId,
    secret_path_pattern: policy.pattern,
    principal_type: policy.principal.type,
    principal_id: policy.principal.id,
    permissions: policy.permissions,
    conditions: policy.conditions,
    ...(policy.expiresAt && { expires_at: policy.expiresAt.toISOString() }),
    created_by: policy.createdBy.id,
    created_by_type: policy.createdBy.type,
    created_at: policy.createdAt.toISOString(),
    effect: policy.effect,
    priority: policy.priority,
  };
}

export function policyRoutes(services: Pick<Services, "db" | "bus" | "clock">): Route[] {
  const { db } = services;
  return [
    defineRoute({
      method: "POST",
      path: "/v1/vaults/{vault_id}/policies",
      summary: "Create an access policy",
      description: "Grants (effect allow) or forbids (effect deny) a user or agent read and/or write on the vault's " +
        "secrets whose paths match secret_path_pattern. On a request, the highest-priority matching, unexpired " +
        "policy whose conditions hold decides; deny wins at equal priority; none matching means 403.",
      operationId: "createPolicy",
      tags: ["Policies"],
      auth: "required",
      request: { params: VaultParams, body: CreatePolicyRequest },
      responses: { 201: PolicyResponse },
    }).handle(async ({ params, body, principal, request }) => {
      const metadata = requestMetadata(request, principal);
      const { manager, vault } = await requirePolicyManager(services, principal, params.vault_id, "policy.create", metadata);
      const terms: PolicyTerms = {
        permissions: body.permissions, conditions: body.conditions ?? {}, expiresAt: body.expires_at ?? null,
        effect: body.effect, priority: body.priority,
      };
      const created = await createPolicy(services, manager, vault, {
        policyId: randomUUID(), pattern: body.secret_path_pattern,
        principal: { type: body.principal_type, id: body.principal_id }, terms,
      }, metadata);
      return { status: 201, body: toResponse(created) };
    }),

    defineRoute({
      method: "GET",
      path: "/v1/vaults/{vault_id}/policies",
      summary: "List policies on a vault",
      operationId: "listPolicies",
      tags: ["Policies"],
      auth: "required",
      request: { params: VaultParams },
      responses: { 200: PolicyListResponse },
    }).handle(async ({ params, principal, request }) => {
      const { vault } = await requirePolicyManager(services, principal, params.vault_id, "policy.list",
        requestMetadata(request, principal));
      return { status: 200, body: { policies: (await listVaultPolicies(db, vault.id)).map(toResponse) } };
    }),

    defineRoute({
      method: "PUT",
      path: "/v1/vaults/{vault_id}/policies/{policy_id}",
      summary: "Update a policy",
      description: "Changes permissions, conditions, expires_at, effect and priority; the pattern and principal are fixed.",
      operationId: "updatePolicy",
      tags: ["Policies"],
      auth: "required",
      request: { params: PolicyParams, body: UpdatePolicyRequest },
      responses: { 200: PolicyResponse },
    }).handle(async ({ params, body, principal, request }) => {
      const metadata = requestMetadata(request, principal);
      const { manager, vault } = await requirePolicyManager(services, principal, params.vault_id, "policy.update", metadata);
      const updated = await updatePolicy(services, manager, vault, params.policy_id, {
        permissions: body.permissions, conditions: body.conditions, expiresAt: body.expires_at, effect: body.effect,
        priority: body.priority,
      }, metadata);
      return { status: 200, body: toResponse(updated) };
    }),

    defineRoute({
      method: "DELETE",
      path: "/v1/vaults/{vault_id}/policies/{policy_id}",
      summary: "Revoke a policy",
      operationId: "deletePolicy",
      tags: ["Policies"],
      auth: "required",
      request: { params: PolicyParams },
      responses: { 204: null },
    }).handle(async ({ params, principal, request }) => {
      const metadata = requestMetadata(request, principal);
      const { manager, vault } = await requirePolicyManager(services, principal, params.vault_id, "policy.delete", metadata);
      await deletePolicy(services, manager, vault, params.policy_id, metadata);
      return { status: 204 };
    }),
  ];
}
