/**
 * Token and key plumbing of `/v1/auth`: revoking the current token, personal API keys (`1ck_…`) and their
 * exchange for a JWT, and the public keys that verify our JWTs.
 */
import { z } from "zod";
import {
  createApiKey, findActiveApiKey, isActiveApiKey, listApiKeys, revokeApiKey, type ApiKeyRecord,
} from "../../auth/api-keys.js";
import { requireUser } from "../../auth/guards.js";
import { issueAccessToken, USER_TOKEN_TTL_SECONDS } from "../../auth/issue.js";
import { requestMetadata } from "../../auth/metadata.js";
import { revokeCurrentToken } from "../../auth/revocation.js";
import { refreshAccessToken, revokeRefreshSession } from "../../auth/refresh.js";
import type { Services } from "../../app/services.js";
import { findUserById } from "../../humans/queries.js";
import { HttpProblem } from "../problems.js";
import { defineRoute, type Route } from "../route.js";
import {
  ApiKeyCreatedResponse, ApiKeyIdParams, ApiKeyListResponse, ApiKeyResponse, CreateApiKeyRequest, JwksResponse,
  JwtPublicKeyResponse, RefreshRequest, RevokeTokenRequest, TokenResponse, UserApiKeyTokenRequest,
} from "../../api/auth.js";

function toApiKeyResponse(key: ApiKeyRecord, now: Date): z.input<typeof ApiKeyResponse> {
  return {
    id: key.id,
    name: key.name,
    key_prefix: key.keyPrefix,
    scopes: key.scopes,
    is_active: isActiveApiKey(key, now),
    created_at: key.createdAt.toISOString(),
    ...(key.expiresAt && { expires_at: key.expiresAt.toISOString() }),
  };
}

const unauthorized = () => new HttpProblem(401, "invalid API key", { "WWW-Authenticate": "Bearer" });

export function authTokenRoutes(services: Services): Route[] {
  return [
    defineRoute({
      method: "DELETE",
      path: "/v1/auth/token",
      summary: "Revoke current token",
      description: "With `refresh_token` in the body (humans), that refresh token's session ends as well.",
      operationId: "revokeToken",
      tags: ["Authentication"],
      auth: "required",
      request: { body: RevokeTokenRequest },
      responses: { 204: null },
    }).handle(async ({ body, principal, request }) => {
      const metadata = requestMetadata(request, principal);
      if (body?.refresh_token) await revokeRefreshSession(services, requireUser(principal), body.refresh_token, metadata);
      await revokeCurrentToken(services, principal, metadata);
      return { status: 204 };
    }),

    defineRoute({
      method: "POST",
      path: "/v1/auth/refresh",
      summary: "Refresh an expiring JWT",
      description: "Spends a human's refresh token (from sign-in or the previous refresh) for a new access token and a " +
        "new refresh token; the spent one never works again, and presenting it again ends the session. Password " +
        "changes, account deletion and logout with the token end the session too.",
      operationId: "refreshToken",
      tags: ["Authentication"],
      auth: "none",
      request: { body: RefreshRequest },
      responses: { 200: TokenResponse },
    }).handle(async ({ body, request }) => {
      const refreshed = await refreshAccessToken(services, body.refresh_token, requestMetadata(request));
      return { status: 200, body: { access_token: refreshed.accessToken, token_type: "Bearer", expires_in: refreshed.expiresIn,
        refresh_token: refreshed.refreshToken } };
    }),

    defineRoute({
      method: "POST",
      path: "/v1/auth/api-keys",
      summary: "Create a personal API key",
      description: "The full key is in the answer's `api_key`, and nowhere else, ever: store it now.",
      operationId: "createApiKey",
      tags: ["API Keys"],
      auth: "required",
      request: { body: CreateApiKeyRequest },
      responses: { 201: ApiKeyCreatedResponse },
    }).handle(async ({ body, principal, request }) => {
      const user = requireUser(principal);
      const { record, key } = await createApiKey(services, user, {
        name: body.name, scopes: body.scopes, expiresAt: body.expires_at ? new Date(body.expires_at) : undefined,
      }, requestMetadata(request, user));
      return { status: 201, body: { key: toApiKeyResponse(record, services.clock()), api_key: key } };
    }),

    defineRoute({
      method: "GET",
      path: "/v1/auth/api-keys",
      summary: "List personal API keys",
      operationId: "listApiKeys",
      tags: ["API Keys"],
      auth: "required",
      responses: { 200: ApiKeyListResponse },
    }).handle(async ({ principal }) => {
      const user = requireUser(principal);
      const now = services.clock();
      const keys = await listApiKeys(services.db, user.id);
      return { status: 200, body: { keys: keys.map((key) => toApiKeyResponse(key, now)) } };
    }),

    defineRoute({
      method: "DELETE",
      path: "/v1/auth/api-keys/{key_id}",
      summary: "Revoke an API key",
      operationId: "revokeApiKey",
      tags: ["API Keys"],
      auth: "required",
      request: { params: ApiKeyIdParams },
      responses: { 204: null },
    }).handle(async ({ params, principal, request }) => {
      const user = requireUser(principal);
      await revokeApiKey(services, user, params.key_id, requestMetadata(request, user));
      return { status: 204 };
    }),

    defineRoute({
      method: "POST",
      path: "/v1/auth/api-key-token",
      summary: "Exchange user API key for JWT",
      operationId: "apiKeyToken",
      tags: ["Authentication"],
      auth: "none",
      request: { body: UserApiKeyTokenRequest },
      responses: { 200: TokenResponse },
    }).handle(async ({ body, request }) => {
      const now = services.clock();
      const key = await findActiveApiKey(services.db, body.api_key, now);
      const user = key && await findUserById(services.db, key.userId);
      if (!key || !user?.active) throw unauthorized();
      // A token never outlives the key it was exchanged for.
      const untilKeyExpires = key.expiresAt ? Math.floor((key.expiresAt.getTime() - now.getTime()) / 1000) : Infinity;
      const ttl = Math.max(1, Math.min(USER_TOKEN_TTL_SECONDS, untilKeyExpires));
      const issued = await issueAccessToken(services, { type: "user", id: user.id, orgId: user.orgId },
        { method: "api_key" }, ttl, requestMetadata(request));
      return { status: 200, body: { access_token: issued.token, token_type: "Bearer", expires_in: issued.expiresIn } };
    }),

    defineRoute({
      method: "GET",
      path: "/.well-known/jwks.json",
      summary: "JSON Web Key Set",
      description: "Public keys that verify our access tokens (EdDSA). Cacheable for 5 minutes.",
      operationId: "jwks",
      tags: ["Authentication"],
      auth: "none",
      responses: { 200: JwksResponse },
    }).handle(() => ({
      status: 200,
      body: services.tokens.jwks() as unknown as z.input<typeof JwksResponse>,
      headers: { "Content-Type": "application/jwk-set+json", "Cache-Control": "public, max-age=300",
        "Access-Control-Allow-Origin": "*" },
    })),

    defineRoute({
      method: "GET",
      path: "/v1/auth/jwt-public-key",
      summary: "Get JWT verification public key",
      operationId: "getJwtPublicKey",
      tags: ["Authentication"],
      auth: "none",
      responses: { 200: JwtPublicKeyResponse },
    }).handle(() => ({ status: 200, body: { alg: "EdDSA", public_key_base64: services.tokens.publicKeyBase64() } })),
  ];
}
