/** `audit list` (the organisation's log, newest first) and `audit verify` (the hash chain, checked by the server). */
import type { Context } from "../context.js";
import { CliError, UsageError } from "../errors.js";
import { requireCredential, unwrap } from "../session.js";
import { AuditResource } from "../../../sdk/resources/audit.js";

export async function listAudit(ctx: Context, options: { vault?: string; action?: string; limit?: string }): Promise<void> {
  requireCredential(ctx.session);
  const limit = Number(options.limit ?? 25);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError("--limit is a whole number from 1 to 1000");
  const entries = await unwrap(new AuditResource(ctx.session.http).list({ vault_id: options.vault, action: options.action, limit }));
  ctx.out.list(entries, entries.map((e) => ({ ...e, actor: `${e.actor_type}:${e.actor_id ?? ""}`,
    resource: `${e.resource_type}:${e.resource_id}` })), [
    { key: "created_at", header: "time" }, { key: "action", header: "action" }, { key: "actor", header: "actor" },
    { key: "resource", header: "resource" }, { key: "ip_address", header: "ip" }]);
}

export async function verifyAudit(ctx: Context): Promise<void> {
  requireCredential(ctx.session);
  const result = await unwrap(new AuditResource(ctx.session.http).verify({ limit: 10_000 }));
  ctx.out.record(result, [["Chain valid", result.chain_valid], ["Events checked", result.events_checked],
    ["Events verified", result.events_verified], ["Signatures checked", result.signatures_checked],
    ["Broken at", result.broken_at_event_id], ["Reason", result.reason]]);
  if (!result.chain_valid) throw new CliError(`the audit chain is broken at ${result.broken_at_event_id}`);
}
