/**
 * `/v1/vaults/{vault_id}/policies`: who may read or write which secrets of a vault. Humans only: the
 * vault's creator and the organisation's owners and admins.
 */
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { MAX_CONDITIONS_BYTES, withinJsonBytes } from "../input-rules.js";
import type { PolicyTerms } from "../../../commands/policy.js";
import { PermissionSchema, PolicyConditionsSchema } from "../../../events/policy.js";
import { MAX_PATTERN_LENGTH } from "../../../commands/rules/glob.js";
import { createPolicy, deletePolicy, requirePolicyManager, updatePolicy } from "../../access/manage.js";
import { listVaultPolicies, type PolicyRecord } from "../../access/policies.js";
import type { Services } from "../../app/services.js";
import { requestMetadata } from "../../auth/metadata.js";
import { defineRoute, type Route } from "../route.js";

const timestamp = z.iso.datetime({ offset: true }).transform((text) => new Date(text));
const Permissions = z.array(PermissionSchema).min(1).max(2);
const Effect = z.enum(["allow", "deny"]);
const Priority = z.number().int().min(0).max(1_000_000);
const Conditions = withinJsonBytes(PolicyConditionsSchema, MAX_CONDITIONS_BYTES).meta({
  description: "ip_allowlist: CIDR blocks the request must come from; time_windows: [{days?, start 'HH:MM', end " +
    "'HH:MM' (end before start runs overnight), timezone? (IANA, default UTC)}], any one suffices. Other keys: 400. " +
    `At most ${MAX_CONDITIONS_BYTES} bytes as JSON.`,
});

export const CreatePolicyRequest = z.object({
  secret_path_pattern: z.string().min(1).max(MAX_PATTERN_LENGTH).transform((p) => p.normalize("NFC")).meta({
    description: "Glob over secret paths: `*` matches within one segment, `**` any number of segments",
  }),
  principal_type: z.enum(["user", "agent"]),
  principal_id: z.uuid().transform((id) => id.toLowerCase()),
  permissions: Permissions,
  conditions: Conditions.optional(),
  expires_at: timestamp.nullable().optional(),
  effect: Effect.default("allow"),
  priority: Priority.default(0),
}).meta({ id: "CreatePolicyRequest" });

export const UpdatePolicyRequest = z.object({
  permissions: Permissions.optional(),
  conditions: Conditions.optional(),
  expires_at: timestamp.nullable().optional(),
  effect: Effect.optional(),
  priority: Priority.optional(),
}).meta({ id: "UpdatePolicyRequest", description: "Terms left out keep their value; expires_at: null removes the expiry" });

export const PolicyResponse = z.object({
  id: z.uuid(),
  vault_id: z.uuid(),
  secret_path_pattern: z.string(),
  principal_type: z.enum(["user", "agent"]),
  principal_id: z.string(),
  permissions: z.array(PermissionSchema),
  conditions: z.record(z.string(), z.unknown()),
  expires_at: z.string().optional(),
  created_by: z.string(),
  created_by_type: z.string(),
  created_at: z.string(),
  effect: Effect,
  priority: z.number().int(),
}).meta({ id: "PolicyResponse" });

export const PolicyListResponse = z.object({ policies: z.array(PolicyResponse) }).meta({ id: "PolicyListResponse" });

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

const VaultParams = z.object({ vault_id: z.string() });
const PolicyParams = z.object({ vault_id: z.string(), policy_id: z.uuid().transform((id) => id.toLowerCase()) });

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
      const { user, vault } = await requirePolicyManager(services, principal, params.vault_id, "policy.create", metadata);
      const terms: PolicyTerms = {
        permissions: body.permissions, conditions: body.conditions ?? {}, expiresAt: body.expires_at ?? null,
        effect: body.effect, priority: body.priority,
      };
      const created = await createPolicy(services, user, vault, {
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
      const { user, vault } = await requirePolicyManager(services, principal, params.vault_id, "policy.update", metadata);
      const updated = await updatePolicy(services, user, vault, params.policy_id, {
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
      const { user, vault } = await requirePolicyManager(services, principal, params.vault_id, "policy.delete", metadata);
      await deletePolicy(services, user, vault, params.policy_id, metadata);
      return { status: 204 };
    }),
  ];
}
