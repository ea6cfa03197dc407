/**
 * The secrets read model: each secret's current metadata (`secrets`) and every version's (`secret_versions`).
 * Never values: the sealed ciphertexts stay in the events, where the read path fetches them.
 */
import { SecretCmekResealed, SecretDeleted, SecretRestored, SecretVersionAdded, SecretVersionDisabled } from "../events/secret.js";
import { occurredAt } from "../events/recorded.js";
import { on, projection } from "./projection.js";


export const secretsProjection = projection({
  name: "secrets",
  // 2: each version's CMEK fingerprint (issue 14), which CMEK rotation selects and resumes by.
  version: 2,
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
      cmek_fingerprint text,
      primary key (secret_id, version)
    );
    create index secret_versions_cmek on secret_versions (vault_id, cmek_fingerprint) where cmek_fingerprint is not null;`,
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
           reason, written_by_type, written_by, created_at, cmek_fingerprint)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
        [d.secret_id, d.vault_id, d.version, d.type, d.size, JSON.stringify(d.metadata), d.expires_at, d.max_access_count,
          d.reason, d.written_by.type, d.written_by.id, at, d.cmek_fingerprint],
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
    on(SecretCmekResealed, async ({ data: d }, tx) => {
      for (const v of d.versions) {
        await tx.query(`update secret_versions set cmek_fingerprint = $3 where secret_id = $1 and version = $2`,
          [d.secret_id, v.version, v.cmek_fingerprint]);
      }
    }),
  ],
});
