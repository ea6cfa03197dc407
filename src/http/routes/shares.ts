/**
 * Sharing, as in the 1claw reference: create a share of a secret, list inbound and outbound shares, accept
 * or decline a targeted one, read through a share (public for links, authenticated for targeted shares;
 * a passphrase travels in the `X-Share-Passphrase` header, never in the URL), revoke.
 */
import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { Services } from "../../app/services.js";
import { requestMetadata } from "../../auth/metadata.js";
import type { Principal } from "../../auth/principal.js";
import type { Caller } from "../../secrets/service.js";
import { openRateLimiter, type RateLimiter } from "../../rate-limit/rate-limiter.js";
import { listInboundShares, listOutboundShares, type ShareListing } from "../../shares/queries.js";
import { acceptShare, accessShare, createShare, declineShare, revokeShare } from "../../shares/service.js";
import { HttpProblem } from "../problems.js";
import { defineRoute, type RequestInfo, type Route } from "../route.js";
import {
  CreateShareByIdRequest, CreateShareRequest, PASSPHRASE_HEADER, ShareListQuery, SecretIdParams, ShareListItem, ShareListResponse, ShareParams, ShareResponse,
  SharedSecretResponse,
} from "../../api/shares.js";

/** The seeds' limit on share creation: 10 a minute per organisation, across every API process. */
const SHARE_CREATION_LIMIT = { burst: 10, perSecond: 10 / 60 };
const callerOf = (principal: Principal, request: RequestInfo): Caller =>
  ({ principal, ip: request.ip, metadata: requestMetadata(request, principal) });

export function shareRoutes(services: Services): Route[] {
  const tags = ["Sharing"];
  let limiter: Promise<RateLimiter> | undefined;
  const shareUrl = (id: string) => `${services.config.publicUrl ?? ""}/v1/share/${id}`;

  function toListItem(share: ShareListing): z.input<typeof ShareListItem> {
    const expired = share.status === "expired" || share.expiresAt <= services.clock();
    return {
      id: share.id, secret_id: share.secretId, secret_path: share.secretPath, recipient_type: share.recipientType,
      recipient_id: share.recipient?.id, recipient_email: share.recipientEmail ?? undefined,
      created_by: `${share.createdBy.type}:${share.createdBy.id}`, status: share.status, access_count: share.accessCount,
      max_access_count: share.maxAccessCount, has_passphrase: share.hasPassphrase, expires_at: share.expiresAt.toISOString(),
      created_at: share.createdAt.toISOString(), is_expired: expired, is_accepted: share.status === "accepted",
    };
  }

  async function create(principal: Principal, request: RequestInfo, secretId: string,
    body: z.output<typeof CreateShareRequest>): Promise<z.input<typeof ShareResponse>> {
    limiter ??= openRateLimiter(services.db, SHARE_CREATION_LIMIT, "share_create");
    const verdict = await (await limiter).take(principal.orgId);
    if (!verdict.allowed) {
      throw new HttpProblem(429, `share creation is limited to 10 a minute per organisation; retry in ${verdict.retryAfterSeconds} s`,
        { "Retry-After": String(verdict.retryAfterSeconds) });
    }
    const share = await createShare(services, callerOf(principal, request), secretId, {
      recipientType: body.recipient_type, recipientId: body.recipient_id ?? undefined, email: body.email ?? undefined,
      expiresAt: new Date(body.expires_at), maxAccessCount: body.max_access_count, passphrase: body.passphrase ?? undefined,
      ipAllowlist: body.ip_allowlist ?? [],
    }, randomUUID());
    return {
      id: share.shareId, share_url: shareUrl(share.shareId), secret_id: share.secretId, recipient_type: share.recipientType,
      recipient_id: share.recipient?.id, recipient_email: share.recipientEmail ?? undefined,
      expires_at: share.expiresAt.toISOString(), max_access_count: share.maxAccessCount,
    };
  }

  return [
    defineRoute({
      method: "POST", path: "/v1/secrets/{secret_id}/share", summary: "Share a secret (link, user, agent, creator or email)",
      operationId: "createShare", tags, auth: "required",
      request: { params: SecretIdParams, body: CreateShareRequest }, responses: { 201: ShareResponse },
    }).handle(async ({ params, body, principal, request }) =>
      ({ status: 201, body: await create(principal, request, params.secret_id, body) })),

    defineRoute({
      method: "POST", path: "/v1/shares", summary: "Share a secret (the 1claw CLI's form: `secret_id` in the body)",
      operationId: "createShareById", tags, auth: "required",
      request: { body: CreateShareByIdRequest }, responses: { 201: ShareResponse },
    }).handle(async ({ body, principal, request }) => {
      const { secret_id: secretId, recipient_email: recipientEmail, ...rest } = body;
      return { status: 201, body: await create(principal, request, secretId, { ...rest, email: rest.email ?? recipientEmail }) };
    }),

    defineRoute({
      method: "GET", path: "/v1/shares", summary: "List shares you sent (`direction=outbound`, default) or received (`inbound`)",
      operationId: "listShares", tags, auth: "required", request: { query: ShareListQuery }, responses: { 200: ShareListResponse },
    }).handle(async ({ query, principal }) => {
      const list = query.direction === "inbound" ? listInboundShares : listOutboundShares;
      return { status: 200, body: { shares: (await list(services.db, principal)).map(toListItem) } };
    }),

    defineRoute({
      method: "DELETE", path: "/v1/shares/{share_id}", summary: "Revoke a share (its creator only; as DELETE /v1/share/{share_id})",
      operationId: "revokeShareAlias", tags, auth: "required", request: { params: ShareParams }, responses: { 204: null },
    }).handle(async ({ params, principal, request }) => {
      await revokeShare(services, callerOf(principal, request), params.share_id);
      return { status: 204 };
    }),

    defineRoute({
      method: "GET", path: "/v1/shares/outbound", summary: "List shares you have sent", operationId: "listOutboundShares",
      tags, auth: "required", responses: { 200: ShareListResponse },
    }).handle(async ({ principal }) =>
      ({ status: 200, body: { shares: (await listOutboundShares(services.db, principal)).map(toListItem) } })),

    defineRoute({
      method: "GET", path: "/v1/shares/inbound", summary: "List shares sent to you", operationId: "listInboundShares",
      tags, auth: "required", responses: { 200: ShareListResponse },
    }).handle(async ({ principal }) =>
      ({ status: 200, body: { shares: (await listInboundShares(services.db, principal)).map(toListItem) } })),

    defineRoute({
      method: "POST", path: "/v1/shares/{share_id}/accept", summary: "Accept an inbound share", operationId: "acceptShare",
      tags, auth: "required", request: { params: ShareParams }, responses: { 204: null },
    }).handle(async ({ params, principal, request }) => {
      await acceptShare(services, callerOf(principal, request), params.share_id);
      return { status: 204 };
    }),

    defineRoute({
      method: "POST", path: "/v1/shares/{share_id}/decline", summary: "Decline an inbound share", operationId: "declineShare",
      tags, auth: "required", request: { params: ShareParams }, responses: { 204: null },
    }).handle(async ({ params, principal, request }) => {
      await declineShare(services, callerOf(principal, request), params.share_id);
      return { status: 204 };
    }),

    defineRoute({
      method: "GET", path: "/v1/share/{share_id}",
      summary: `Read a shared secret (public for link shares; passphrase in ${PASSPHRASE_HEADER})`,
      operationId: "accessShare", tags, auth: "optional", request: { params: ShareParams },
      responses: { 200: SharedSecretResponse },
    }).handle(async ({ params, principal, request }) => {
      const shared = await accessShare(services, {
        principal, ip: request.ip, metadata: requestMetadata(request, principal), passphrase: request.header?.(PASSPHRASE_HEADER),
      }, params.share_id);
      return { status: 200, body: {
        id: shared.secretId, share_id: shared.shareId, path: shared.path, type: shared.type, version: shared.version,
        value: shared.value, access_count: shared.accessCount, max_access_count: shared.maxAccessCount,
      } };
    }),

    defineRoute({
      method: "DELETE", path: "/v1/share/{share_id}", summary: "Revoke a share (its creator only)", operationId: "revokeShare",
      tags, auth: "required", request: { params: ShareParams }, responses: { 204: null },
    }).handle(async ({ params, principal, request }) => {
      await revokeShare(services, callerOf(principal, request), params.share_id);
      return { status: 204 };
    }),
  ];
}
