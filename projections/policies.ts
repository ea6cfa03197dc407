/**
 * The live policies: what the policy routes list and what every authorization matches against. A
 * deleted policy's row goes (its history stays in the log and in the time-travel projections).
 */
import { PolicyCreated, PolicyDeleted, PolicyUpdated } from "../events/policy.js";
import { occurredAt } from "../events/recorded.js";
import { on, projection } from "./projection.js";


export const policiesProjection = projection({
  name: "policies",
  version: 1,
  tables: ["policies"],
  schema: `
    create table policies (
      id uuid primary key,
      vault_id uuid not null,
      org_id uuid not null,
      secret_path_pattern text not null,
      principal_type text not null check (principal_type in ('user', 'agent')),
      principal_id uuid not null,
      permissions jsonb not null,
      conditions jsonb not null,
      expires_at timestamptz,
      effect text not null check (effect in ('allow', 'deny')),
      priority integer not null,
      created_by_type text not null,
      created_by uuid not null,
      created_at timestamptz not null,
      updated_at timestamptz not null
    );
    create index policies_by_vault_principal on policies (vault_id, principal_type, principal_id);
    create index policies_by_principal on policies (principal_type, principal_id);`,
  handlers: [
    on(PolicyCreated, async (event, tx) => {
      const d = event.data;
      await tx.query(
        `insert into policies (id, vault_id, org_id, secret_path_pattern, principal_type, principal_id, permissions,
           conditions, expires_at, effect, priority, created_by_type, created_by, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) on conflict (id) do nothing`,
        [d.policy_id, d.vault_id, d.org_id, d.secret_path_pattern, d.principal_type, d.principal_id,
          JSON.stringify(d.permissions), JSON.stringify(d.conditions), d.expires_at, d.effect, d.priority,
          d.created_by.type, d.created_by.id, occurredAt(event)],
      );
    }),
    on(PolicyUpdated, async (event, tx) => {
      const d = event.data;
      await tx.query(
        `update policies set permissions = $2, conditions = $3, expires_at = $4, effect = $5, priority = $6,
           updated_at = $7 where id = $1`,
        [d.policy_id, JSON.stringify(d.permissions), JSON.stringify(d.conditions), d.expires_at, d.effect, d.priority,
          occurredAt(event)],
      );
    }),
    on(PolicyDeleted, async ({ data: d }, tx) => {
      await tx.query(`delete from policies where id = $1`, [d.policy_id]);
    }),
  ],
});
