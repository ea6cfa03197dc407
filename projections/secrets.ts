/**
 * The secrets read model: each secret's current metadata (`secrets`) and every version's (`secret_versions`).
 * Never values: the sealed ciphertexts stay in the events, where the read path fetches them.
 */
import { SecretCmekResealed, SecretDeleted, SecretRestored, SecretVersionAdded, SecretVersionDisabled } from "../events/secret.js";
import { occurredAt } from "../events/recorded.js";
import { on, onRun, projection } from "./projection.js";

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
    // A run of new versions (a batch under write load) is one statement, not two per version (issue 12).
    onRun(SecretVersionAdded, async (events, tx) => {
      const secrets = new Map<string, Record<string, unknown>>();
      const versions = events.map((event) => {
        const d = event.data;
        const at = occurredAt(event).toISOString();
        // One row per secret (a multi-row upsert may not touch a row twice): the last version, created when
        // the run first saw it.
        secrets.set(d.secret_id, { id: d.secret_id, vault_id: d.vault_id, org_id: d.org_id, path: d.path, type: d.type,
          version: d.version, metadata: d.metadata, expires_at: d.expires_at, max_access_count: d.max_access_count,
          created_at: secrets.get(d.secret_id)?.created_at ?? at, updated_at: at });
        return { secret_id: d.secret_id, vault_id: d.vault_id, version: d.version, type: d.type, size: d.size,
          metadata: d.metadata, expires_at: d.expires_at, max_access_count: d.max_access_count, reason: d.reason,
          written_by_type: d.written_by.type, written_by: d.written_by.id, created_at: at, cmek_fingerprint: d.cmek_fingerprint };
      });
      // One statement for both tables: a round trip per batch is what a write's read-your-writes waits on.
      await tx.query(
        `with upserted_secrets as (
           insert into secrets (id, vault_id, org_id, path, type, version, metadata, expires_at, max_access_count,
             created_at, updated_at)
           select * from jsonb_to_recordset($1::jsonb) as r(id uuid, vault_id uuid, org_id uuid, path text, type text,
             version int, metadata jsonb, expires_at timestamptz, max_access_count int, created_at timestamptz,
             updated_at timestamptz)
           on conflict (id) do update set type = excluded.type, version = excluded.version, metadata = excluded.metadata,
             expires_at = excluded.expires_at, max_access_count = excluded.max_access_count, updated_at = excluded.updated_at)
         insert into secret_versions (secret_id, vault_id, version, type, size, metadata, expires_at, max_access_count,
           reason, written_by_type, written_by, created_at, cmek_fingerprint)
         select * from jsonb_to_recordset($2::jsonb) as r(secret_id uuid, vault_id uuid, version int, type text, size int,
           metadata jsonb, expires_at timestamptz, max_access_count int, reason text, written_by_type text,
           written_by uuid, created_at timestamptz, cmek_fingerprint text)`,
        [JSON.stringify([...secrets.values()]), JSON.stringify(versions)],
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
