/** Reading the audit log (the `audit_events` read model) for one organisation. */
import type { Queryable } from "../db/database.js";
import { rowJson } from "../db/rows.js";

export interface AuditFilter {
  limit: number;
  offset: number;
  action?: string;
  actorId?: string;
  resourceId?: string;
  /** Entries about this vault or anything in it (its secrets, policies, shares). */
  vaultId?: string;
  from?: Date;
  to?: Date;
}

export interface AuditRecord {
  id: string;
  chainIndex: number;
  action: string;
  actorType: string;
  actorId: string | null;
  resourceType: string;
  resourceId: string;
  orgId: string;
  details: Record<string, unknown>;
  ipAddress: string | null;
  userAgent: string | null;
  createdAt: Date;
  prevHash: string;
  hash: string;
}

interface AuditRow {
  event_id: string;
  chain_index: string;
  action: string;
  actor_type: string;
  actor_id: string | null;
  resource_type: string;
  resource_id: string;
  org_id: string;
  details: Record<string, unknown> | string;
  ip_address: string | null;
  user_agent: string | null;
  created_at: Date | string;
  prev_hash: string;
  hash: string;
}

/** The organisation's entries matching the filter, newest first. */
export async function queryAuditEvents(db: Queryable, orgId: string, filter: AuditFilter): Promise<AuditRecord[]> {
  const conditions = ["org_id = $1"];
  const params: unknown[] = [orgId];
  const add = (condition: string, value: unknown) => {
    params.push(value);
    conditions.push(condition.replace("?", `$${params.length}`));
  };
  if (filter.action !== undefined) add("action = ?", filter.action);
  if (filter.actorId !== undefined) add("actor_id = ?", filter.actorId);
  if (filter.resourceId !== undefined) add("resource_id = ?", filter.resourceId);
  if (filter.vaultId !== undefined) {
    params.push(filter.vaultId);
    conditions.push(`(resource_id = $${params.length} or details->>'vault_id' = $${params.length})`);
  }
  if (filter.from !== undefined) add("created_at >= ?", filter.from);
  if (filter.to !== undefined) add("created_at <= ?", filter.to);
  params.push(filter.limit, filter.offset);
  const { rows } = await db.query<AuditRow>(
    `select event_id, chain_index::text as chain_index, action, actor_type, actor_id, resource_type, resource_id, org_id,
            details, ip_address, user_agent, created_at, prev_hash, hash
       from audit_events where ${conditions.join(" and ")}
      order by audit_events.created_at desc, audit_events.chain_index desc
      limit $${params.length - 1} offset $${params.length}`, params);
  return rows.map((row) => ({
    id: row.event_id,
    chainIndex: Number(row.chain_index),
    action: row.action,
    actorType: row.actor_type,
    actorId: row.actor_id,
    resourceType: row.resource_type,
    resourceId: row.resource_id,
    orgId: row.org_id,
    details: rowJson<Record<string, unknown>>(row.details),
    ipAddress: row.ip_address,
    userAgent: row.user_agent,
    createdAt: new Date(row.created_at),
    prevHash: row.prev_hash,
    hash: row.hash,
  }));
}
