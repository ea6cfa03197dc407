/**
 * Reporting view of the secrets that exist now: one row per living secret with its type, current version,
 * when its value last changed and when it expires. Feeds "secrets per vault and type", "not rotated in N
 * days" and "expiring soon". Deleted secrets and the secrets of deleted vaults leave it.
 */
import { SecretDeleted, SecretRestored, SecretVersionAdded } from "../events/secret.js";
import { VaultDeleted } from "../events/vault.js";
import { occurredAt } from "../events/recorded.js";
import { on, projection } from "./projection.js";

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
    on(SecretVersionAdded, async (event, tx) => {
      const d = event.data;
      await tx.query(
        `insert into secret_inventory (secret_id, vault_id, org_id, path, type, version, expires_at, value_changed_at, deleted)
         values ($1, $2, $3, $4, $5, $6, $7, $8, false)
         on conflict (secret_id) do update set type = excluded.type, version = excluded.version,
           expires_at = excluded.expires_at, value_changed_at = excluded.value_changed_at, deleted = false`,
        [d.secret_id, d.vault_id, d.org_id, d.path, d.type, d.version, d.expires_at, occurredAt(event)]);
    }),
    on(SecretDeleted, ({ data }, tx) => tx.query(`update secret_inventory set deleted = true where secret_id = $1`,
      [data.secret_id])),
    on(SecretRestored, ({ data }, tx) => tx.query(`update secret_inventory set deleted = false where secret_id = $1`,
      [data.secret_id])),
    on(VaultDeleted, ({ data }, tx) => tx.query(`delete from secret_inventory where vault_id = $1`, [data.vault_id])),
  ],
});
