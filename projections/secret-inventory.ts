/**
 * Reporting view of the secrets that exist now: one row per living secret with its type, current version,
 * when its value last changed and when it expires. Feeds "secrets per vault and type", "not rotated in N
 * days" and "expiring soon". Deleted secrets and the secrets of deleted vaults leave it.
 */
import { SecretDeleted, SecretRestored, SecretVersionAdded } from "../events/secret.js";
import { VaultDeleted } from "../events/vault.js";
import { occurredAt } from "../events/recorded.js";
import { on, onRun, projection } from "./projection.js";

export const secretInventoryProjection = projection({
  name: "secret_inventory",
  version: 1,
  tables: ["secret_inventory"],
  schema: `
    create table secret_inventory (
      secret_id uuid primary key,
      vault_id uuid not null,
      org_id uuid not null,
      path text not null,
      type text not null,
      version int not null,
      expires_at timestamptz,
      value_changed_at timestamptz not null,
      deleted boolean not null
    );
    create index secret_inventory_org on secret_inventory (org_id, vault_id);
    create index secret_inventory_expiry on secret_inventory (org_id, expires_at) where expires_at is not null;`,
  handlers: [
    // A run of new versions is one upsert of each secret's last (issue 12).
    onRun(SecretVersionAdded, async (events, tx) => {
      const rows = new Map<string, Record<string, unknown>>();
      for (const event of events) {
        const d = event.data;
        rows.set(d.secret_id, { secret_id: d.secret_id, vault_id: d.vault_id, org_id: d.org_id, path: d.path, type: d.type,
          version: d.version, expires_at: d.expires_at, value_changed_at: occurredAt(event).toISOString() });
      }
      await tx.query(
        `insert into secret_inventory (secret_id, vault_id, org_id, path, type, version, expires_at, value_changed_at, deleted)
         select r.*, false from jsonb_to_recordset($1::jsonb) as r(secret_id uuid, vault_id uuid, org_id uuid, path text,
           type text, version int, expires_at timestamptz, value_changed_at timestamptz)
         on conflict (secret_id) do update set type = excluded.type, version = excluded.version,
           expires_at = excluded.expires_at, value_changed_at = excluded.value_changed_at, deleted = false`,
        [JSON.stringify([...rows.values()])]);
    }),
    on(SecretDeleted, ({ data }, tx) => tx.query(`update secret_inventory set deleted = true where secret_id = $1`,
      [data.secret_id])),
    on(SecretRestored, ({ data }, tx) => tx.query(`update secret_inventory set deleted = false where secret_id = $1`,
      [data.secret_id])),
    on(VaultDeleted, ({ data }, tx) => tx.query(`delete from secret_inventory where vault_id = $1`, [data.vault_id])),
  ],
});
