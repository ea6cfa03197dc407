/**
 * Personal API keys: the list their owners see, and the lookup the authenticator uses (by the non-secret
 * prefix, then a constant-time comparison of the stored SHA-256 hash). Never the key itself.
 */
import { ApiKeyCreated, ApiKeyRevoked } from "../events/api-key.js";
import { on, projection } from "./projection.js";

export const apiKeysProjection = projection({
  name: "api_keys",
  version: 1,
  tables: ["api_keys"],
  schema: `create table api_keys (
             key_id uuid primary key,
             user_id uuid not null,
             org_id uuid not null,
             name text not null,
             key_prefix text not null,
             key_hash text not null,
             scopes jsonb not null,
             created_at timestamptz not null,
             expires_at timestamptz,
             revoked_at timestamptz);
           create index api_keys_prefix on api_keys (key_prefix);
           create index api_keys_user on api_keys (user_id, created_at)`,
  handlers: [
    on(ApiKeyCreated, async ({ data }, tx) => {
      await tx.query(
        `insert into api_keys (key_id, user_id, org_id, name, key_prefix, key_hash, scopes, created_at, expires_at)
         values ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9) on conflict (key_id) do nothing`,
        [data.key_id, data.user_id, data.org_id, data.name, data.key_prefix, data.key_hash,
          JSON.stringify(data.scopes), data.created_at, data.expires_at ?? null],
      );
    }),
    on(ApiKeyRevoked, async ({ data }, tx) => {
      await tx.query(`update api_keys set revoked_at = $2 where key_id = $1`, [data.key_id, data.revoked_at]);
    }),
  ],
});
