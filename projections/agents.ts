/**
 * The agents read model: one row per living agent (deleted agents' rows are removed, so every lookup of a
 * deleted agent or its key finds nothing). The API key is here only as its lookup prefix and hash; the
 * sealed identity private keys stay in the events.
 */
import { AgentApiKeyRotated, AgentCreated, AgentDeleted, AgentIdentityKeysRotated, AgentUpdated } from "../events/agent.js";
import { on, projection } from "./projection.js";

const JSON_COLUMNS = new Set(["scopes", "vault_ids", "tx_to_allowlist", "tx_allowed_chains", "shroud_config"]);
const SETTING_COLUMNS = [
  "name", "description", "scopes", "vault_ids", "is_active", "intents_api_enabled", "token_ttl_seconds", "expires_at",
  "tx_to_allowlist", "tx_max_value", "tx_daily_limit", "tx_allowed_chains", "shroud_enabled", "shroud_config",
] as const;

const asColumn = (column: string, value: unknown) => (JSON_COLUMNS.has(column) && value !== null ? JSON.stringify(value) : value);

export const agentsProjection = projection({
  name: "agents",
  // 2: shroud_enabled and shroud_config.
  version: 2,
  tables: ["agents"],
  schema: `
    create table agents (
      id uuid primary key,
      org_id uuid not null,
      name text not null,
      description text,
      auth_method text not null,
      origin text not null,
      scopes jsonb not null,
      vault_ids jsonb not null,
      is_active boolean not null,
      intents_api_enabled boolean not null,
      token_ttl_seconds int,
      expires_at timestamptz,
      tx_to_allowlist jsonb not null,
      tx_max_value text,
      tx_daily_limit text,
      tx_allowed_chains jsonb not null,
      shroud_enabled boolean not null,
      shroud_config jsonb,
      api_key_prefix text not null unique,
      api_key_hash text not null,
      ssh_public_key text not null,
      ecdh_public_key text not null,
      created_by uuid not null,
      created_at timestamptz not null,
      updated_at timestamptz not null
    );
    create index agents_org on agents (org_id, created_at);`,
  handlers: [
    on(AgentCreated, async ({ data: d }, tx) => {
      await tx.query(
        `insert into agents (id, org_id, name, description, auth_method, origin, scopes, vault_ids, is_active,
           intents_api_enabled, token_ttl_seconds, expires_at, tx_to_allowlist, tx_max_value, tx_daily_limit,
           tx_allowed_chains, api_key_prefix, api_key_hash, ssh_public_key, ecdh_public_key, created_by, created_at,
           updated_at, shroud_enabled, shroud_config)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $22,
           $23, $24)`,
        [d.agent_id, d.org_id, d.name, d.description, d.auth_method, d.origin, JSON.stringify(d.scopes),
          JSON.stringify(d.vault_ids), d.is_active, d.intents_api_enabled, d.token_ttl_seconds, d.expires_at,
          JSON.stringify(d.tx_to_allowlist), d.tx_max_value, d.tx_daily_limit, JSON.stringify(d.tx_allowed_chains),
          d.api_key.key_prefix, d.api_key.key_hash, d.identity.ssh_public_key, d.identity.ecdh_public_key,
          d.created_by, d.created_at, d.shroud_enabled ?? false, d.shroud_config ? JSON.stringify(d.shroud_config) : null],
      );
    }),
    on(AgentUpdated, async ({ data: d }, tx) => {
      const columns = SETTING_COLUMNS.filter((column) => d.changes[column] !== undefined);
      const assignments = columns.map((column, i) => `${column} = $${i + 3}`);
      await tx.query(`update agents set updated_at = $2${assignments.map((a) => `, ${a}`).join("")} where id = $1`,
        [d.agent_id, d.updated_at, ...columns.map((column) => asColumn(column, d.changes[column]))]);
    }),
    on(AgentApiKeyRotated, async ({ data: d }, tx) => {
      await tx.query(`update agents set api_key_prefix = $2, api_key_hash = $3, updated_at = $4 where id = $1`,
        [d.agent_id, d.api_key.key_prefix, d.api_key.key_hash, d.rotated_at]);
    }),
    on(AgentIdentityKeysRotated, async ({ data: d }, tx) => {
      await tx.query(`update agents set ssh_public_key = $2, ecdh_public_key = $3, updated_at = $4 where id = $1`,
        [d.agent_id, d.identity.ssh_public_key, d.identity.ecdh_public_key, d.rotated_at]);
    }),
    on(AgentDeleted, async ({ data: d }, tx) => {
      await tx.query(`delete from agents where id = $1`, [d.agent_id]);
    }),
  ],
});
