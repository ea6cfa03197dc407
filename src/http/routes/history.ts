/**
 * Time travel (beyond 1claw), for humans: who could read a secret at T, who did read it between T1 and T2,
 * and the secret's metadata as of T. Answered from interval read models, never by replaying the log.
 * Their paths sit beside `/secrets/{path+}`, whose catch-all takes everything after `secrets/`.
 */
import { z } from "zod";
import type { Services } from "../../app/services.js";
import { secretAsOf } from "../../history/secret-as-of.js";
import { vaultForHistory } from "../../history/vault-access.js";
import { whoCouldRead } from "../../history/who-could-read.js";
import { whoDidRead } from "../../history/reads.js";
import { parseSecretPath } from "../../../commands/rules/secret-path.js";
import { HttpProblem } from "../problems.js";
import { defineRoute, type Route } from "../route.js";

const instant = z.iso.datetime({ offset: true }).transform((text) => new Date(text));
const Params = z.object({ vault_id: z.string(), path: z.string() });
const iso = (value: Date | null) => (value === null ? null : value.toISOString());

const AccessAtResponse = z.object({
  vault_id: z.uuid(),
  path: z.string(),
  at: z.string(),
  principals: z.array(z.object({
    principal_type: z.enum(["user", "agent"]),
    principal_id: z.uuid(),
    via: z.enum(["creator", "policy"]).describe("creator: the vault's creator (always full access)"),
    policy_id: z.uuid().optional().describe("the policy that granted read access"),
    ip_allowlist: z.array(z.string()).optional().describe("the access held only from these addresses"),
    valid_from: z.string().describe("start of the period, containing `at`, in which this grant held unchanged"),
    valid_to: z.string().nullable().describe("its end; null while it still holds"),
  })),
}).meta({ id: "AccessAtResponse" });

const ReadsResponse = z.object({
  vault_id: z.uuid(),
  path: z.string(),
  from: z.string(),
  to: z.string(),
  reads: z.array(z.object({
    event_id: z.uuid(),
    reader_type: z.enum(["user", "agent"]),
    reader_id: z.uuid(),
    version: z.number().int(),
    policy_id: z.uuid().nullable(),
    read_at: z.string(),
  })),
  count: z.number().int().describe("reads in [from, to) in all, beyond this page too"),
}).meta({ id: "SecretReadsResponse" });

const SecretAsOfResponse = z.object({
  vault_id: z.uuid(),
  secret_id: z.uuid(),
  path: z.string(),
  at: z.string(),
  type: z.string(),
  version: z.number().int(),
  version_disabled: z.boolean(),
  deleted: z.boolean(),
  size: z.number().int(),
  metadata: z.record(z.string(), z.unknown()),
  expires_at: z.string().nullable(),
  max_access_count: z.number().int(),
  written_by: z.object({ type: z.enum(["user", "agent"]), id: z.uuid() }),
  version_created_at: z.string(),
  state_since: z.string(),
  state_until: z.string().nullable(),
}).meta({ id: "SecretAsOfResponse" });

export function historyRoutes(services: Pick<Services, "db" | "clock">): Route[] {
  const { db, clock } = services;
  return [
    defineRoute({
      method: "GET",
      path: "/v1/vaults/{vault_id}/access-at/{path+}",
      summary: "Who could read a secret at a time",
      description: "Principals with effective read access to the path at `at` (default: now), each with what " +
        "granted it: the vault's creator, or the deciding policy (priority, deny wins, time windows evaluated at " +
        "`at`; an IP allowlist is reported, not evaluated). Counts agent deactivation and deletion, agents' " +
        "vault_ids and scopes, user removal, policy expiry and vault deletion.",
      operationId: "getAccessAt",
      tags: ["History"],
      auth: "required",
      request: { params: Params, query: z.object({ at: instant.optional() }) },
      responses: { 200: AccessAtResponse },
    }).handle(async ({ params, query, principal }) => {
      const vault = await vaultForHistory(db, principal, params.vault_id);
      const path = parseSecretPath(params.path);
      const at = query.at ?? clock();
      const access = await whoCouldRead(db, { vaultId: vault.id, path, at });
      return { status: 200, body: { vault_id: vault.id, path, at: at.toISOString(), principals: access.map((a) => ({
        principal_type: a.principal.type, principal_id: a.principal.id, via: a.via,
        ...(a.policyId && { policy_id: a.policyId }), ...(a.ipAllowlist && { ip_allowlist: a.ipAllowlist }),
        valid_from: a.validFrom.toISOString(), valid_to: iso(a.validTo),
      })) } };
    }),

    defineRoute({
      method: "GET",
      path: "/v1/vaults/{vault_id}/reads/{path+}",
      summary: "Who read a secret between two times",
      description: "Every value read of the path in [from, to) (default: the last 24 hours), oldest first, paged.",
      operationId: "listSecretReads",
      tags: ["History"],
      auth: "required",
      request: {
        params: Params,
        query: z.object({
          from: instant.optional(),
          to: instant.optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
          offset: z.coerce.number().int().min(0).default(0),
        }),
      },
      responses: { 200: ReadsResponse },
    }).handle(async ({ params, query, principal }) => {
      const vault = await vaultForHistory(db, principal, params.vault_id);
      const path = parseSecretPath(params.path);
      const to = query.to ?? clock();
      const from = query.from ?? new Date(to.getTime() - 24 * 3600 * 1000);
      if (from > to) throw new HttpProblem(400, "from must not be after to");
      const { reads, count } = await whoDidRead(db, { vaultId: vault.id, path, from, to, limit: query.limit, offset: query.offset });
      return { status: 200, body: {
        vault_id: vault.id, path, from: from.toISOString(), to: to.toISOString(), count,
        reads: reads.map((r) => ({ event_id: r.eventId, reader_type: r.reader.type, reader_id: r.reader.id,
          version: r.version, policy_id: r.policyId, read_at: r.readAt.toISOString() })),
      } };
    }),

    defineRoute({
      method: "GET",
      path: "/v1/vaults/{vault_id}/secret-as-of/{path+}",
      summary: "A secret's metadata and version as of a time",
      description: "The secret as it stood at `at`: current version, type, metadata, expiry, whether it was " +
        "deleted or that version disabled. Never the value. 404 if the path held no secret yet at `at`.",
      operationId: "getSecretAsOf",
      tags: ["History"],
      auth: "required",
      request: { params: Params, query: z.object({ at: instant }) },
      responses: { 200: SecretAsOfResponse },
    }).handle(async ({ params, query, principal }) => {
      const vault = await vaultForHistory(db, principal, params.vault_id);
      const path = parseSecretPath(params.path);
      const secret = await secretAsOf(db, { vaultId: vault.id, path, at: query.at });
      if (!secret) throw new HttpProblem(404, "no secret at this path at that time");
      return { status: 200, body: {
        vault_id: vault.id, secret_id: secret.secretId, path: secret.path, at: query.at.toISOString(), type: secret.type,
        version: secret.version, version_disabled: secret.versionDisabled, deleted: secret.deleted, size: secret.size,
        metadata: secret.metadata, expires_at: iso(secret.expiresAt), max_access_count: secret.maxAccessCount,
        written_by: secret.writtenBy, version_created_at: secret.versionCreatedAt.toISOString(),
        state_since: secret.since.toISOString(), state_until: iso(secret.until),
      } };
    }),
  ];
}
