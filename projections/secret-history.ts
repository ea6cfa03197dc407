/**
 * A secret's metadata through time: one row per period during which its current version and status held
 * (`current`, a GiST-indexed `tstzrange`), so "the secret as of T" is one indexed lookup. Never a value:
 * the sealed value stays in the log. Disabled versions are kept beside, with when they were disabled.
 */
import {
  SecretDeleted, SecretRestored, SecretVersionAdded, SecretVersionDisabled,
} from "../events/secret.js";
import { VaultDeleted } from "../events/vault.js";
import type { Queryable } from "./queryable.js";
import { occurredAt } from "../events/recorded.js";
import { on, projection } from "./projection.js";

// A period row repeats its version's metadata (as `secret_versions` in projections/secrets.ts holds it) on
// purpose: each read model lives in its own generation schema and is rebuilt on its own, so neither may
// read the other's tables, and "the secret as of T" stays one lookup with no join.
const COLUMNS = `secret_id, vault_id, org_id, path, version, type, size, metadata, expires_at, max_access_count,
  written_by_type, written_by_id, version_created_at`;

/** Ends the open periods matched by `where` ($2...) at $1, and opens the next ones with `deleted` as given. */
async function nextPeriod(tx: Queryable, at: Date, where: string, params: unknown[], deleted: boolean): Promise<void> {
  await tx.query(
    `with closed as (
       update secret_history set current = tstzrange(lower(current), greatest(lower(current), $1::timestamptz), '[)')
        where ${where} and upper_inf(current)
        returning ${COLUMNS})
     insert into secret_history (${COLUMNS}, deleted, current)
     select ${COLUMNS}, ${deleted}, tstzrange($1::timestamptz, null, '[)') from closed`,
    [at, ...params]);
}

export const secretHistoryProjection = projection({
  name: "secret_history",
  version: 1,
  tables: ["secret_history", "secret_version_disables"],
  schema: `
    create extension if not exists btree_gist with schema public;
    create table secret_history (
      secret_id uuid not null,
      vault_id uuid not null,
      org_id uuid not null,
      path text not null,
      version int not null,
      type text not null,
      size int not null,
      metadata jsonb not null,
      expires_at timestamptz,
      max_access_count int not null,
      written_by_type text not null,
      written_by_id uuid not null,
      version_created_at timestamptz not null,
      deleted boolean not null,
      current tstzrange not null
    );
    create index secret_history_path_current on secret_history using gist (vault_id, path, current);
    create index secret_history_secret on secret_history (secret_id) where upper_inf(current);
    create table secret_version_disables (
      secret_id uuid not null,
      version int not null,
      disabled_at timestamptz not null,
      primary key (secret_id, version)
    );`,
  handlers: [
    on(SecretVersionAdded, async (event, tx) => {
      const d = event.data;
      const at = occurredAt(event);
      await tx.query(`update secret_history set current = tstzrange(lower(current), greatest(lower(current), $1::timestamptz), '[)')
        where secret_id = $2 and upper_inf(current)`, [at, d.secret_id]);
      await tx.query(
        `insert into secret_history (${COLUMNS}, deleted, current)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, false, tstzrange($13::timestamptz, null, '[)'))`,
        [d.secret_id, d.vault_id, d.org_id, d.path, d.version, d.type, d.size, JSON.stringify(d.metadata), d.expires_at,
          d.max_access_count, d.written_by.type, d.written_by.id, at]);
    }),
    on(SecretVersionDisabled, async (event, tx) => {
      const d = event.data;
      await tx.query(`insert into secret_version_disables (secret_id, version, disabled_at) values ($1, $2, $3)
        on conflict do nothing`, [d.secret_id, d.version, occurredAt(event)]);
    }),
    on(SecretDeleted, async (event, tx) => {
      const d = event.data;
      await nextPeriod(tx, occurredAt(event), "secret_id = $2", [d.secret_id], true);
    }),
    on(SecretRestored, async (event, tx) => {
      const d = event.data;
      await nextPeriod(tx, occurredAt(event), "secret_id = $2", [d.secret_id], false);
    }),
    on(VaultDeleted, async (event, tx) => {
      const d = event.data;
      await nextPeriod(tx, occurredAt(event), "vault_id = $2 and not deleted", [d.vault_id], true);
    }),
  ],
});
