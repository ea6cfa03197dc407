/**
 * Secrets, as in the 1claw reference: store versions, read values (audited), list metadata, soft-delete,
 * versions (list, get one, disable), server-side rotation; plus restore of a deleted secret by an admin.
 * Paths take the rest of the URL (`{path+}`), slashes and `%2F` alike.
 */
import { z } from "zod";
import { parseSecretPath } from "../../../commands/rules/secret-path.js";
import type { Services } from "../../app/services.js";
import { requestMetadata } from "../../auth/metadata.js";
import type { Principal } from "../../auth/principal.js";
import { parseEnvBundle } from "../../secrets/env-bundle.js";
import {
  deleteSecret, disableSecretVersion, listSecrets, listSecretVersions, putSecret, readSecret, restoreSecret, rotateSecret,
  type Caller, type SecretVersionInfo,
} from "../../secrets/service.js";
import { HttpProblem } from "../problems.js";
import type { RequestInfo } from "../route.js";
import { defineRoute, type Route } from "../route.js";
import {
  ENV_BUNDLE_TYPES, GetSecretQuery, ListSecretsQuery, PutSecretRequest, RotateSecretRequest, SecretListResponse, SecretMetadataResponse,
  SecretParams, SecretResponse, SecretVersionListResponse, SecretVersionParams, VaultSecretsParams,
} from "../../api/secrets.js";

function toMetadata(info: SecretVersionInfo): z.input<typeof SecretMetadataResponse> {
  return {
    id: info.secretId, path: info.path, type: info.type, secret_type: info.type, version: info.version, metadata: info.metadata,
    created_at: info.createdAt.toISOString(), expires_at: info.expiresAt?.toISOString(), is_disabled: info.disabled,
    ...cmekFieldsOf(info),
  };
}

function cmekFieldsOf(info: SecretVersionInfo) {
  return { cmek_encrypted: info.cmekFingerprint !== null, ...(info.cmekFingerprint && { cmek_fingerprint: info.cmekFingerprint }) };
}

const callerOf = (principal: Principal, request: RequestInfo): Caller =>
  ({ principal, ip: request.ip, metadata: requestMetadata(request, principal) });

export function secretRoutes(services: Services): Route[] {
  const tags = ["Secrets"];

  async function read(principal: Principal, request: RequestInfo, vaultId: string, rawPath: string,
    options: { version?: number; format?: "json" }) {
    const secret = await readSecret(services, callerOf(principal, request), vaultId, parseSecretPath(rawPath), options.version);
    if (options.format === "json" && !ENV_BUNDLE_TYPES.includes(secret.type)) {
      throw new HttpProblem(400, "format=json is only offered for env_bundle (and env) secrets");
    }
    return {
      status: 200 as const,
      body: {
        id: secret.secretId, path: secret.path, type: secret.type, secret_type: secret.type, value: secret.value,
        version: secret.version,
        metadata: secret.metadata, created_by: secret.createdBy.id, created_at: secret.createdAt.toISOString(),
        expires_at: secret.expiresAt?.toISOString(),
        ...(options.format === "json" && { env: parseEnvBundle(secret.value) }),
        ...cmekFieldsOf(secret),
      },
    };
  }

  return [
    defineRoute({
      method: "GET", path: "/v1/vaults/{vault_id}/secrets", summary: "List secrets in a vault (metadata only)",
      operationId: "listSecrets", tags, auth: "required", request: { params: VaultSecretsParams, query: ListSecretsQuery },
      responses: { 200: SecretListResponse },
    }).handle(async ({ params, query, principal, request }) => {
      const secrets = await listSecrets(services, callerOf(principal, request), params.vault_id, query.prefix);
      return { status: 200, body: { secrets: secrets.map((s) => ({
        id: s.id, path: s.path, type: s.type, secret_type: s.type, version: s.version, metadata: s.metadata,
        created_at: s.updatedAt.toISOString(), updated_at: s.updatedAt.toISOString(), expires_at: s.expiresAt?.toISOString(),
      })) } };
    }),

    defineRoute({
      method: "PUT", path: "/v1/vaults/{vault_id}/secrets/{path+}", summary: "Store or update a secret (a new version)",
      operationId: "putSecret", tags, auth: "required", request: { params: SecretParams, body: PutSecretRequest },
      responses: { 201: SecretMetadataResponse },
    }).handle(async ({ params, body, principal, request }) => {
      const expiresAt = body.expires_at ? new Date(body.expires_at) : null;
      const info = await putSecret(services, callerOf(principal, request), params.vault_id, parseSecretPath(params.path), {
        type: body.type, value: body.value, metadata: body.metadata, expiresAt, maxAccessCount: body.max_access_count,
      });
      return { status: 201, body: toMetadata(info) };
    }),

    defineRoute({
      method: "GET", path: "/v1/vaults/{vault_id}/secrets/{path+}",
      summary: "Retrieve a decrypted secret (?format=json adds an env_bundle's variables as `env`)",
      operationId: "getSecret", tags, auth: "required", request: { params: SecretParams, query: GetSecretQuery },
      responses: { 200: SecretResponse },
    }).handle(({ params, query, principal, request }) =>
      read(principal, request, params.vault_id, params.path, { format: query.format })),

    defineRoute({
      method: "DELETE", path: "/v1/vaults/{vault_id}/secrets/{path+}", summary: "Delete a secret (soft: an admin can restore it)",
      operationId: "deleteSecret", tags, auth: "required", request: { params: SecretParams }, responses: { 204: null },
    }).handle(async ({ params, principal, request }) => {
      await deleteSecret(services, callerOf(principal, request), params.vault_id, parseSecretPath(params.path));
      return { status: 204 };
    }),

    defineRoute({
      method: "POST", path: "/v1/vaults/{vault_id}/secret-restore/{path+}", summary: "Restore a deleted secret (owners and admins)",
      operationId: "restoreSecret", tags, auth: "required", request: { params: SecretParams },
      responses: { 200: SecretMetadataResponse },
    }).handle(async ({ params, principal, request }) => {
      const info = await restoreSecret(services, callerOf(principal, request), params.vault_id, parseSecretPath(params.path));
      return { status: 200, body: toMetadata(info) };
    }),

    defineRoute({
      method: "GET", path: "/v1/vaults/{vault_id}/secret-versions/{path+}", summary: "List all versions of a secret",
      operationId: "listSecretVersions", tags, auth: "required", request: { params: SecretParams },
      responses: { 200: SecretVersionListResponse },
    }).handle(async ({ params, principal, request }) => {
      const versions = await listSecretVersions(services, callerOf(principal, request), params.vault_id,
        parseSecretPath(params.path));
      return { status: 200, body: { versions: versions.map(toMetadata) } };
    }),

    defineRoute({
      method: "GET", path: "/v1/vaults/{vault_id}/secret-version/{path+}/{version}",
      summary: "Retrieve a specific version of a secret", operationId: "getSecretVersion", tags, auth: "required",
      request: { params: SecretVersionParams }, responses: { 200: SecretResponse },
    }).handle(({ params, principal, request }) =>
      read(principal, request, params.vault_id, params.path, { version: params.version })),

    defineRoute({
      method: "POST", path: "/v1/vaults/{vault_id}/secret-version-disable/{path+}/{version}",
      summary: "Disable a specific secret version (kept for audit; reads get 410)", operationId: "disableSecretVersion",
      tags, auth: "required", request: { params: SecretVersionParams }, responses: { 204: null },
    }).handle(async ({ params, principal, request }) => {
      await disableSecretVersion(services, callerOf(principal, request), params.vault_id, parseSecretPath(params.path),
        params.version);
      return { status: 204 };
    }),

    defineRoute({
      method: "POST", path: "/v1/vaults/{vault_id}/secret-rotate/{path+}", summary: "Server-side secret rotation",
      operationId: "rotateSecret", tags, auth: "required", request: { params: SecretParams, body: RotateSecretRequest },
      responses: { 201: SecretMetadataResponse },
    }).handle(async ({ params, body, principal, request }) => {
      const info = await rotateSecret(services, callerOf(principal, request), params.vault_id, parseSecretPath(params.path),
        { length: body.length, charset: body.charset, type: body.type });
      return { status: 201, body: toMetadata(info) };
    }),
  ];
}
