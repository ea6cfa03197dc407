/** The vaults read model: one row per vault, deleted ones kept with deleted_at (history and 404 answers). */
import {
  VaultCmekDisabled, VaultCmekEnabled, VaultCmekRotated, VaultCmekRotationAbandoned, VaultCmekRotationBegan, VaultCreated,
  VaultDeleted,
} from "../events/vault.js";
import { occurredAt } from "../events/recorded.js";
import { on, projection } from "./projection.js";

export const vaultsProjection = projection({
  name: "vaults",
  // 2: the customer-managed key in force and the rotation job holding the vault's slot (issue 14).
  version: 2,
  tables: ["vaults"],
  schema: `
    create table vaults (
      id uuid primary key,
      org_id uuid not null,
      name text not null,
      description text,
      kek_id text not null,
      created_by_type text not null,
      created_by uuid not null,
      system boolean not null,
      created_at timestamptz not null,
      deleted_at timestamptz,
      cmek_fingerprint text,
      cmek_rotation_job_id uuid
    );
    create index vaults_org on vaults (org_id, created_at);`,
  handlers: [
    on(VaultCreated, async (event, tx) => {
      const d = event.data;
      await tx.query(
        `insert into vaults (id, org_id, name, description, kek_id, created_by_type, created_by, system, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [d.vault_id, d.org_id, d.name, d.description ?? null, d.kek_id, d.created_by.type, d.created_by.id, d.system,
          occurredAt(event)],
      );
    }),
    on(VaultDeleted, async (event, tx) => {
      const d = event.data;
      await tx.query(`update vaults set deleted_at = $2 where id = $1`,
        [d.vault_id, occurredAt(event)]);
    }),
    on(VaultCmekEnabled, ({ data: d }, tx) =>
      tx.query(`update vaults set cmek_fingerprint = $2 where id = $1`, [d.vault_id, d.fingerprint])),
    on(VaultCmekDisabled, ({ data: d }, tx) =>
      tx.query(`update vaults set cmek_fingerprint = null where id = $1`, [d.vault_id])),
    on(VaultCmekRotationBegan, ({ data: d }, tx) =>
      tx.query(`update vaults set cmek_rotation_job_id = $2 where id = $1`, [d.vault_id, d.job_id])),
    on(VaultCmekRotated, ({ data: d }, tx) =>
      tx.query(`update vaults set cmek_fingerprint = $2, cmek_rotation_job_id = null where id = $1`, [d.vault_id, d.new_fingerprint])),
    on(VaultCmekRotationAbandoned, ({ data: d }, tx) =>
      tx.query(`update vaults set cmek_rotation_job_id = null where id = $1`, [d.vault_id])),
  ],
});
