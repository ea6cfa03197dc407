/**
 * Who could read what, when: the access rules of every vault as intervals of time (`tstzrange`, GiST-indexed),
 * so "who could read this secret at T" is one indexed lookup, never a replay of the log.
 *
 * - `access_grants`: one row per period during which a grant held unchanged terms. A policy opens a row at
 *   its creation; an update closes it and opens another with the new terms; deletion closes it; its
 *   `expires_at` caps the row; the vault's deletion closes every row of the vault. The vault's creator has
 *   an implicit grant (policy_id null) for the vault's lifetime.
 * - `principal_periods`: one row per period during which a principal's standing was unchanged: active or
 *   not (agent deactivated or deleted, user removed or deleted) and, for agents, their `expires_at`, their
 *   `vault_ids` binding and explicit `scopes` (which narrow what they may reach, as in src/access/authorize.ts).
 *
 * Times are the event's `occurred_at` (the clock that decided it), else when it was recorded.
 */
import { PolicyCreated, PolicyDeleted, PolicyUpdated } from "../events/policy.js";
import { VaultCreated, VaultDeleted } from "../events/vault.js";
import { AgentCreated, AgentDeleted, AgentUpdated } from "../events/agent.js";
import { UserDeleted, UserRegistered } from "../events/user.js";
import { OrgMemberRemoved } from "../events/org.js";
import type { Queryable } from "./queryable.js";
import { occurredAt } from "../events/recorded.js";
import { on, projection } from "./projection.js";


// A range from `from` to an optional end (none: unbounded); an end at or before `from` (an expiry already
// past) makes it empty.
const RANGE = (from: string, until: string) =>
  `tstzrange(${from}, case when ${until} is null then null else greatest(${from}, ${until}) end, '[)')`;

/** Ends the open periods matched by `where` at `$1` (periods already over stay as they are). */
function closeOpen(table: string, column: string, where: string) {
  return `update ${table} set ${column} = tstzrange(lower(${column}), greatest(lower(${column}), $1::timestamptz), '[)')
    where ${where} and not isempty(${column}) and (upper_inf(${column}) or upper(${column}) > $1::timestamptz)`;
}

async function openGrant(tx: Queryable, at: Date, policyId: string, terms: {
  permissions: string[]; effect: string; priority: number; conditions: Record<string, unknown>; expires_at: string | null;
}): Promise<void> {
  await tx.query(
    `insert into access_grants (vault_id, org_id, policy_id, principal_type, principal_id, pattern, can_read, can_write,
       effect, priority, conditions, valid)
     select vault_id, org_id, policy_id, principal_type, principal_id, pattern, $3, $4, $5, $6, $7,
       ${RANGE("$1::timestamptz", "$8::timestamptz")}
       from access_policy_targets where policy_id = $2`,
    [at, policyId, terms.permissions.includes("read"), terms.permissions.includes("write"), terms.effect, terms.priority,
      JSON.stringify(terms.conditions), terms.expires_at],
  );
}

/** Ends the principal's current period and starts the next with the given standing. */
async function changeStanding(tx: Queryable, at: Date, type: "user" | "agent", id: string,
  next: { active?: boolean; vaultIds?: string[]; scopes?: string[]; expiresAt?: string | null }): Promise<void> {
  const { rows } = await tx.query<{ org_id: string; active: boolean; vault_ids: unknown; scopes: unknown; expires_at: unknown }>(
    `select org_id, active, vault_ids, scopes, expires_at from principal_periods
      where principal_type = $1 and principal_id = $2 order by lower(during) desc limit 1`, [type, id]);
  const current = rows[0];
  if (!current) return;
  await tx.query(closeOpen("principal_periods", "during", "principal_type = $2 and principal_id = $3"), [at, type, id]);
  // jsonb may come back parsed or as text depending on the driver: keep it as it was, or the new value.
  const carry = (value: unknown) => (value === null || typeof value === "string" ? value : JSON.stringify(value));
  await tx.query(
    `insert into principal_periods (principal_type, principal_id, org_id, active, vault_ids, scopes, expires_at, during)
     values ($1, $2, $3, $4, $5, $6, $7, tstzrange($8::timestamptz, null, '[)'))`,
    [type, id, current.org_id, next.active ?? current.active,
      next.vaultIds !== undefined ? JSON.stringify(next.vaultIds) : carry(current.vault_ids),
      next.scopes !== undefined ? JSON.stringify(next.scopes) : carry(current.scopes),
      next.expiresAt !== undefined ? next.expiresAt : current.expires_at, at]);
}

export const accessIntervalsProjection = projection({
  name: "access_intervals",
  version: 1,
  tables: ["access_grants", "access_policy_targets", "principal_periods"],
  schema: `
    create extension if not exists btree_gist with schema public;
    create table access_policy_targets (
      policy_id uuid primary key,
      vault_id uuid not null,
      org_id uuid not null,
      principal_type text not null,
      principal_id uuid not null,
      pattern text not null
    );
    create table access_grants (
      vault_id uuid not null,
      org_id uuid not null,
      -- null: the vault creator's implicit grant
      policy_id uuid,
      principal_type text not null,
      principal_id uuid not null,
      pattern text not null,
      can_read boolean not null,
      can_write boolean not null,
      effect text not null,
      priority int not null,
      conditions jsonb not null,
      valid tstzrange not null
    );
    create index access_grants_vault_valid on access_grants using gist (vault_id, valid);
    create index access_grants_policy on access_grants (policy_id);
    create table principal_periods (
      principal_type text not null,
      principal_id uuid not null,
      org_id uuid not null,
      active boolean not null,
      -- agents: the vaults they are bound to (empty: any) and their explicit scopes (empty: any); null for users
      vault_ids jsonb,
      scopes jsonb,
      -- agents: past this instant they can no longer act
      expires_at timestamptz,
      during tstzrange not null
    );
    create index principal_periods_during on principal_periods using gist (principal_id, during);`,
  handlers: [
    on(VaultCreated, async (event, tx) => {
      const d = event.data;
      await tx.query(
        `insert into access_grants (vault_id, org_id, policy_id, principal_type, principal_id, pattern, can_read,
           can_write, effect, priority, conditions, valid)
         values ($1, $2, null, $3, $4, '**', true, true, 'allow', 0, '{}', tstzrange($5::timestamptz, null, '[)'))`,
        [d.vault_id, d.org_id, d.created_by.type, d.created_by.id, occurredAt(event)]);
    }),
    on(VaultDeleted, async (event, tx) => {
      const d = event.data;
      await tx.query(closeOpen("access_grants", "valid", "vault_id = $2"), [occurredAt(event), d.vault_id]);
    }),
    on(PolicyCreated, async (event, tx) => {
      const d = event.data;
      await tx.query(
        `insert into access_policy_targets (policy_id, vault_id, org_id, principal_type, principal_id, pattern)
         values ($1, $2, $3, $4, $5, $6) on conflict (policy_id) do nothing`,
        [d.policy_id, d.vault_id, d.org_id, d.principal_type, d.principal_id, d.secret_path_pattern]);
      await openGrant(tx, occurredAt(event), d.policy_id, d);
    }),
    on(PolicyUpdated, async (event, tx) => {
      const d = event.data;
      const at = occurredAt(event);
      await tx.query(closeOpen("access_grants", "valid", "policy_id = $2"), [at, d.policy_id]);
      await openGrant(tx, at, d.policy_id, d);
    }),
    on(PolicyDeleted, async (event, tx) => {
      const d = event.data;
      await tx.query(closeOpen("access_grants", "valid", "policy_id = $2"), [occurredAt(event), d.policy_id]);
    }),
    on(AgentCreated, async (event, tx) => {
      const d = event.data;
      await tx.query(
        `insert into principal_periods (principal_type, principal_id, org_id, active, vault_ids, scopes, expires_at, during)
         values ('agent', $1, $2, $3, $4, $5, $6, tstzrange($7::timestamptz, null, '[)'))`,
        [d.agent_id, d.org_id, d.is_active, JSON.stringify(d.vault_ids), JSON.stringify(d.scopes), d.expires_at,
          occurredAt(event)]);
    }),
    on(AgentUpdated, async (event, tx) => {
      const d = event.data;
      const { is_active: active, vault_ids: vaultIds, scopes, expires_at: expiresAt } = d.changes;
      if (active === undefined && vaultIds === undefined && scopes === undefined && expiresAt === undefined) return;
      await changeStanding(tx, occurredAt(event), "agent", d.agent_id, { active, vaultIds, scopes, expiresAt });
    }),
    on(AgentDeleted, async (event, tx) => {
      const d = event.data;
      await changeStanding(tx, occurredAt(event), "agent", d.agent_id, { active: false });
    }),
    on(UserRegistered, async (event, tx) => {
      const d = event.data;
      await tx.query(
        `insert into principal_periods (principal_type, principal_id, org_id, active, vault_ids, during)
         values ('user', $1, $2, true, null, tstzrange($3::timestamptz, null, '[)'))`,
        [d.user_id, d.org_id, occurredAt(event)]);
    }),
    on(UserDeleted, async (event, tx) => {
      const d = event.data;
      await changeStanding(tx, occurredAt(event), "user", d.user_id, { active: false });
    }),
    on(OrgMemberRemoved, async (event, tx) => {
      const d = event.data;
      await changeStanding(tx, occurredAt(event), "user", d.user_id, { active: false });
    }),
  ],
});
