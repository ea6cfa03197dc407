/**
 * `/v1/audit/*`: the organisation's audit log (every event, every value read, every denial) and the check
 * of its hash chain. Humans only: an agent never reads the audit log.
 */
import { z } from "zod";
import type { Services } from "../../app/services.js";
import { requireUser } from "../../auth/guards.js";
import type { Principal, UserPrincipal } from "../../auth/principal.js";
import { CHAIN_SCHEME } from "../../../events/audit-chain.js";
import { queryAuditEvents, type AuditRecord } from "../../audit/queries.js";
import { verifyAuditChain } from "../../audit/verify.js";
import { HttpProblem } from "../problems.js";
import { defineRoute, type Route } from "../route.js";
import {
  AuditEventResponse, AuditEventsQuery, AuditListQuery, AuditEventsResponse, AuditVerifyQuery, AuditVerifyResponse,
} from "../../api/audit.js";

function toResponse(record: AuditRecord): z.input<typeof AuditEventResponse> {
  return {
    id: record.id, action: record.action, actor_id: record.actorId, actor_type: record.actorType,
    resource_type: record.resourceType, resource_id: record.resourceId, org_id: record.orgId, details: record.details,
    ip_address: record.ipAddress, user_agent: record.userAgent, created_at: record.createdAt.toISOString(),
    hash: record.hash, prev_hash: record.prevHash,
  };
}

function requireHuman(principal: Principal | undefined): UserPrincipal {
  if (principal?.type === "agent") throw new HttpProblem(403, "agents cannot read the audit log");
  return requireUser(principal);
}

function checkWindow(from: Date | undefined, to: Date | undefined): void {
  if (from && to && from > to) throw new HttpProblem(400, "from must not be after to");
}

export function auditRoutes(services: Pick<Services, "db" | "store" | "keys">): Route[] {
  const { db, store, keys } = services;
  return [
    defineRoute({
      method: "GET",
      path: "/v1/audit/events",
      summary: "Query audit events",
      description: "The caller's organisation's audit log, newest first: every recorded event (actions such as " +
        "`secret.read`, `secret.write`, `vault.create`, `policy.update`, `access.denied`, `auth.login`), with who, " +
        "from where and when. `details` holds only non-secret fields. Filters combine with AND; `from`/`to` " +
        "are inclusive. Humans only.",
      operationId: "queryAuditEvents",
      tags: ["Audit"],
      auth: "required",
      request: { query: AuditEventsQuery },
      responses: { 200: AuditEventsResponse },
    }).handle(async ({ query, principal }) => {
      const user = requireHuman(principal);
      checkWindow(query.from, query.to);
      const events = await queryAuditEvents(db, user.orgId, {
        limit: query.limit, offset: query.offset, action: query.action, actorId: query.actor_id,
        resourceId: query.resource_id, from: query.from, to: query.to,
      });
      return { status: 200, body: { events: events.map(toResponse), count: events.length } };
    }),

    defineRoute({
      method: "GET",
      path: "/v1/audit",
      summary: "Recent audit events (bare array)",
      description: "The newest `limit` entries of the organisation's audit log, optionally about one vault " +
        "(`vault_id`: the vault and everything in it) or one action: the shape the 1claw CLI's `audit list` reads. " +
        "Humans only.",
      operationId: "listAuditEvents",
      tags: ["Audit"],
      auth: "required",
      request: { query: AuditListQuery },
      responses: { 200: z.array(AuditEventResponse) },
    }).handle(async ({ query, principal }) => {
      const user = requireHuman(principal);
      const events = await queryAuditEvents(db, user.orgId, { limit: query.limit, offset: 0, action: query.action,
        vaultId: query.vault_id });
      return { status: 200, body: events.map(toResponse) };
    }),

    defineRoute({
      method: "GET",
      path: "/v1/audit/verify",
      summary: "Verify audit hash chain integrity",
      description: "Re-derives the hash chain from the event store for up to `limit` entries recorded in " +
        "[from, to] and compares it with the audit log, checking signed heads on the way. The chain runs over " +
        "the whole log in global order (all organisations), so the entries checked are the log's, and " +
        "`broken_at_event_id` names the first entry whose event is missing, replaced or altered. Humans only; " +
        "`keyledger audit verify` checks the whole log.",
      operationId: "verifyAuditChain",
      tags: ["Audit"],
      auth: "required",
      request: { query: AuditVerifyQuery },
      responses: { 200: AuditVerifyResponse },
    }).handle(async ({ query, principal }) => {
      requireHuman(principal);
      checkWindow(query.from, query.to);
      const result = await verifyAuditChain({ db, store, keys }, { from: query.from, to: query.to, limit: query.limit });
      return { status: 200, body: {
        chain_valid: result.chainValid, events_verified: result.eventsVerified, events_checked: result.eventsChecked,
        broken_at_event_id: result.brokenAtEventId, reason: result.reason, signatures_checked: result.signaturesChecked,
        scheme: CHAIN_SCHEME,
      } };
    }),
  ];
}
