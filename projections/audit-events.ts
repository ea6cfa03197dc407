/**
 * The audit log: one entry per event of the log, in global order, each carrying its link in the hash chain
 * (events/audit-chain.ts). Every event type is handled, including ones added after this file (see `everyEvent`).
 * Entries hold only what events/audit-entry.ts allows: never a sealed value, a credential hash or a secret.
 */
import type { Queryable } from "./queryable.js";
import { formatPosition, streamCategory, type RecordedEvent } from "../events/recorded.js";
import { auditEntryOf, idOfStream } from "../events/audit-entry.js";
import { UserRegistered } from "../events/user.js";
import { chainHash, GENESIS_HASH } from "../events/audit-chain.js";
import { on, projection, type RecordedEventHandler } from "./projection.js";

interface ChainHead {
  index: number;
  hash: string;
}

/**
 * The chain head as of the last event this transaction applied. Keyed by the batch's transaction, so a batch
 * that rolls back leaves nothing behind: the next batch reads the head from the table again.
 */
const headsByTransaction = new WeakMap<Queryable, ChainHead>();

async function chainHead(tx: Queryable): Promise<ChainHead> {
  const cached = headsByTransaction.get(tx);
  if (cached) return cached;
  const { rows } = await tx.query<{ chain_index: string; hash: string }>(
    "select chain_index::text as chain_index, hash from audit_events order by audit_events.chain_index desc limit 1");
  return rows[0] ? { index: Number(rows[0].chain_index), hash: rows[0].hash } : { index: -1, hash: GENESIS_HASH };
}

/** Whose audit log shows the event: the acting principal's org, else the one the event names or implies. */
async function orgOf(event: RecordedEvent, tx: Queryable): Promise<string | null> {
  const named = event.metadata.org_id ?? event.data.org_id;
  if (typeof named === "string") return named;
  const category = streamCategory(event.stream);
  if (category === "org") return idOfStream(event.stream);
  // Sign-ins and account events made before anyone is signed in: the user's org.
  const userId = category === "user" || category === "login" ? idOfStream(event.stream) : event.data.user_id;
  if (typeof userId !== "string") return null;
  const { rows } = await tx.query<{ org_id: string }>("select org_id from audit_user_orgs where user_id = $1", [userId]);
  return rows[0]?.org_id ?? null;
}

/** Every fact, with its data as stored: the chain hashes exactly what the log holds. */
const appendEntry: RecordedEventHandler = async (event, tx) => {
  const head = await chainHead(tx);
  const hash = chainHash(head.hash, event);
  const entry = auditEntryOf(event);
  const actor = event.metadata.actor;
  await tx.query(
    `insert into audit_events (chain_index, event_id, position, event_type, action, actor_type, actor_id, resource_type,
       resource_id, org_id, details, ip_address, user_agent, created_at, prev_hash, hash)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12, $13, $14, $15, $16)`,
    [head.index + 1, event.id, formatPosition(event.position), event.type, entry.action, actor?.type ?? "system",
      actor?.id ?? null, entry.resourceType, entry.resourceId, await orgOf(event, tx), JSON.stringify(entry.details),
      event.metadata.client_ip ?? null, event.metadata.user_agent ?? null, event.recordedAt, head.hash, hash]);
  headsByTransaction.set(tx, { index: head.index + 1, hash });
};

export const auditEventsProjection = projection({
  name: "audit_events",
  version: 1,
  tables: ["audit_events", "audit_user_orgs"],
  schema: `
    create table audit_events (
      chain_index bigint primary key,
      event_id uuid not null unique,
      position text not null,
      event_type text not null,
      action text not null,
      actor_type text not null,
      actor_id text,
      resource_type text not null,
      resource_id text not null,
      org_id text,
      details jsonb not null,
      ip_address text,
      user_agent text,
      created_at timestamptz not null,
      prev_hash text not null,
      hash text not null
    );
    create index audit_events_org_time on audit_events (org_id, created_at desc, chain_index desc);
    create index audit_events_org_action on audit_events (org_id, action, created_at desc);
    create index audit_events_org_actor on audit_events (org_id, actor_id, created_at desc);
    create index audit_events_org_resource on audit_events (org_id, resource_id, created_at desc);
    create table audit_user_orgs (user_id text primary key, org_id text not null);`,
  // Every fact, mapped in AUDIT_MAPPINGS or not: a gap in the chain would make verification fail.
  everyEvent: appendEntry,
  handlers: [
    on(UserRegistered, async ({ data }, tx) => {
      await tx.query("insert into audit_user_orgs (user_id, org_id) values ($1, $2) on conflict (user_id) do nothing",
        [data.user_id, data.org_id]);
    }),
  ],
});
