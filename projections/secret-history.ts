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
import { on, onRun, projection } from "./projection.js";

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
    // A run of new versions is one statement, not two per version (issue 12): the open period of each
    // secret ends at its first new version, and each new version's period at the next one of its secret.
    onRun(SecretVersionAdded, async (events, tx) => {
      const firstAt = new Map<string, string>();
      const rows = events.map((event) => {
        const d = event.data;
        const at = occurredAt(event).toISOString();
        if (!firstAt.has(d.secret_id)) firstAt.set(d.secret_id, at);
        return { secret_id: d.secret_id, vault_id: d.vault_id, org_id: d.org_id, path: d.path, version: d.version,
          type: d.type, size: d.size, metadata: d.metadata, expires_at: d.expires_at, max_access_count: d.max_access_count,
          written_by_type: d.written_by.type, written_by_id: d.written_by.id, version_created_at: at, until: null as string | null };
      });
      const latest = new Map<string, (typeof rows)[number]>();
      for (const row of rows) {
        const previous = latest.get(row.secret_id);
        if (previous) previous.until = row.version_created_at;
        latest.set(row.secret_id, row);
      }
      // One statement (a round trip per batch is what a write's read-your-writes waits on). The update probes
      // the open-period index by id (= any): a join with the run would let the planner, which cannot know how
      // few rows it holds, scan the whole table. Both parts see the table as it was before the statement, so
      // the new periods are not closed by it.
      await tx.query(
        `with closed as (
           update secret_history
              set current = tstzrange(lower(current),
                greatest(lower(current), ($2::timestamptz[])[array_position($1::uuid[], secret_id)]), '[)')
            where secret_id = any($1::uuid[]) and upper_inf(current))
         insert into secret_history (${COLUMNS}, deleted, current)
         select ${COLUMNS}, false,
                tstzrange(version_created_at, case when until is not null then greatest(version_created_at, until) end, '[)')
           from jsonb_to_recordset($3::jsonb) as r(secret_id uuid, vault_id uuid, org_id uuid, path text, version int,
             type text, size int, metadata jsonb, expires_at timestamptz, max_access_count int, written_by_type text,
             written_by_id uuid, version_created_at timestamptz, until timestamptz)`,
        [[...firstAt.keys()], [...firstAt.values()], JSON.stringify(rows)]);
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
