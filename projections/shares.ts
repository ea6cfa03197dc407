/**
 * The shares read model: what the inbound and outbound listings show, and which email shares wait for an
 * account to claim them. Never the passphrase's hash: the access path reads it from the share's stream.
 */
import {
  ShareAccepted, ShareAccessed, ShareClaimed, ShareCreated, ShareDeclined, ShareExpired, ShareRevoked,
} from "../events/share.js";
import { occurredAt } from "../events/recorded.js";
import { on, projection } from "./projection.js";


export const sharesProjection = projection({
  name: "shares",
  version: 1,
  tables: ["shares"],
  schema: `
    create table shares (
      id uuid primary key,
      org_id uuid not null,
      secret_id uuid not null,
      vault_id uuid not null,
      secret_path text not null,
      version int not null,
      recipient_type text not null,
      recipient_kind text,
      recipient_id uuid,
      recipient_email text,
      created_by_type text not null,
      created_by uuid not null,
      status text not null,
      access_count int not null default 0,
      max_access_count int not null,
      has_passphrase boolean not null,
      expires_at timestamptz not null,
      created_at timestamptz not null
    );
    create index shares_recipient on shares (recipient_kind, recipient_id);
    create index shares_creator on shares (created_by_type, created_by);
    create index shares_unclaimed_email on shares (recipient_email) where recipient_id is null;`,
  handlers: [
    on(ShareCreated, async (event, tx) => {
      const d = event.data;
      await tx.query(
        `insert into shares (id, org_id, secret_id, vault_id, secret_path, version, recipient_type, recipient_kind,
           recipient_id, recipient_email, created_by_type, created_by, status, max_access_count, has_passphrase,
           expires_at, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
        [d.share_id, d.org_id, d.secret_id, d.vault_id, d.path, d.version, d.recipient_type, d.recipient?.type ?? null,
          d.recipient?.id ?? null, d.recipient_email, d.created_by.type, d.created_by.id,
          d.recipient_type === "anyone_with_link" ? "open" : "pending", d.max_access_count, d.passphrase_hash !== null,
          d.expires_at, occurredAt(event)],
      );
    }),
    on(ShareClaimed, async ({ data: d }, tx) => {
      await tx.query(`update shares set recipient_kind = 'user', recipient_id = $2 where id = $1`, [d.share_id, d.user_id]);
    }),
    on(ShareAccepted, async ({ data }, tx) => {
      await tx.query(`update shares set status = 'accepted' where id = $1`, [data.share_id]);
    }),
    on(ShareDeclined, async ({ data }, tx) => {
      await tx.query(`update shares set status = 'declined' where id = $1`, [data.share_id]);
    }),
    on(ShareAccessed, async ({ data: d }, tx) => {
      await tx.query(`update shares set access_count = $2 where id = $1`, [d.share_id, d.access_count]);
    }),
    on(ShareRevoked, async ({ data }, tx) => {
      await tx.query(`update shares set status = 'revoked' where id = $1`, [data.share_id]);
    }),
    on(ShareExpired, async ({ data }, tx) => {
      await tx.query(`update shares set status = 'expired' where id = $1`, [data.share_id]);
    }),
  ],
});
