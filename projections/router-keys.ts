/**
 * Shroud router keys: the list humans see per agent, and the lookup Shroud's authentication uses (by the
 * non-secret prefix, then a constant-time comparison of the stored SHA-256 hash). Never the key itself.
 * A deleted agent's keys go with it.
 */
import { AgentDeleted } from "../events/agent.js";
import { RouterKeyMinted, RouterKeyRevoked } from "../events/router-key.js";
import { on, projection } from "./projection.js";

export const routerKeysProjection = projection({
  name: "router_keys",
  version: 1,
  tables: ["router_keys"],
  schema: `create table router_keys (
             key_id uuid primary key,
             agent_id uuid not null,
             org_id uuid not null,
             name text not null,
             key_prefix text not null,
             key_hash text not null,
             max_concurrent_streams int not null,
             spend_cap_micro_usd bigint,
             created_by uuid not null,
             created_at timestamptz not null,
             revoked_at timestamptz);
           create index router_keys_prefix on router_keys (key_prefix);
           create index router_keys_agent on router_keys (agent_id, created_at)`,
  handlers: [
    on(RouterKeyMinted, async ({ data }, tx) => {
      await tx.query(
        `insert into router_keys (key_id, agent_id, org_id, name, key_prefix, key_hash, max_concurrent_streams,
           spend_cap_micro_usd, created_by, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) on conflict (key_id) do nothing`,
        [data.key_id, data.agent_id, data.org_id, data.name, data.key_prefix, data.key_hash, data.max_concurrent_streams,
          data.spend_cap_micro_usd, data.created_by, data.created_at],
      );
    }),
    on(RouterKeyRevoked, async ({ data }, tx) => {
      await tx.query(`update router_keys set revoked_at = $2 where key_id = $1`, [data.key_id, data.revoked_at]);
    }),
    on(AgentDeleted, async ({ data }, tx) => {
      await tx.query(`delete from router_keys where agent_id = $1`, [data.agent_id]);
    }),
  ],
});
