/**
 * The secrets read model: each secret's current metadata (`secrets`) and every version's (`secret_versions`).
 * Never values: the sealed ciphertexts stay in the events, where the read path fetches them.
 */
import { SecretDeleted, SecretRestored, SecretVersionAdded, SecretVersionDisabled } from "../events/secret.js";
import { occurredAt } from "../events/recorded.js";
import { on, projection } from "./projection.js";


export const secretsProjection = projection({
  name: "secrets",
  version: 1,
  tables: ["secrets", "secret_versions"],
  schema: `
    create table secrets (
      id uuid primary key,
      vault_id uuid not null,
      org_id uuid not null,
      path text not null,
      type text not null,
      version int not null,
      metadata jsonb not null,
      expires_at timestamptz,
      max_access_count int not null,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      deleted_at timestamptz
    );
    create unique index secrets_vault_path on secrets (vault_id, path);
    create table secret_versions (
      secret_id uuid not null,
      vault_id uuid not null,
      version int not null,
      type text not null,
      size int not null,
      metadata jsonb not null,
      expires_at timestamptz,
      max_access_count int not null,
      reason text not null,
      written_by_type text not null,
      written_by uuid not null,
      disabled boolean not null default false,
      created_at timestamptz not null,
      primary key (secret_id, version)
    );`,
  handlers: [
    on(SecretVersionAdded, async (event, tx) => {
      const d = event.data;
      const at = occurredAt(event);
      await tx.query(
        `insert into secrets (id, vault_id, org_id, path, type, version, metadata, expires_at, max_access_count,
           created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
         on conflict (id) do update set type = excluded.type, version = excluded.version, metadata = excluded.metadata,
           expires_at = excluded.expires_at, max_access_count = excluded.max_access_count, updated_at = excluded.updated_at`,
        [d.secret_id, d.vault_id, d.org_id, d.path, d.type, d.version, JSON.stringify(d.metadata), d.expires_at,
          d.max_access_count, at],
      );
      await tx.query(
        `insert into secret_versions (secret_id, vault_id, version, type, size, metadata, expires_at, max_access_count,
           reason, written_by_type, written_by, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        [d.secret_id, d.vault_id, d.version, d.type, d.size, JSON.stringify(d.metadata), d.expires_at, d.max_access_count,
          d.reason, d.written_by.type, d.written_by.id, at],
      );
    }),
    on(SecretVersionDisabled, async ({ data: d }, tx) => {
      await tx.query(`update secret_versions set disabled = true where secret_id = $1 and version = $2`,
        [d.secret_id, d.version]);
    }),
    on(SecretDeleted, async (event, tx) => {
      const d = event.data;
      await tx.query(`update secrets set deleted_at = $2 where id = $1`, [d.secret_id, occurredAt(event)]);
    }),
    on(SecretRestored, async ({ data: d }, tx) => {
      await tx.query(`update secrets set deleted_at = null where id = $1`, [d.secret_id]);
    }),
  ],
});
