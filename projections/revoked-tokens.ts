/**
 * Revoked access tokens, read by the authenticator on every JWT request. It lives in the shared database,
 * so a revocation made on one node is seen by all. Only tokens revoked before they expire matter; rows
 * past their expiry are dead weight the authenticator ignores.
 */
import { AccessTokenRevoked } from "../events/access-token.js";
import { on, projection } from "./projection.js";

export const revokedTokensProjection = projection({
  name: "revoked_tokens",
  version: 1,
  tables: ["revoked_tokens"],
  schema: `create table revoked_tokens (
             token_id uuid primary key,
             subject_type text not null,
             subject_id uuid not null,
             expires_at timestamptz not null,
             revoked_at timestamptz not null)`,
  handlers: [
    on(AccessTokenRevoked, async ({ data }, tx) => {
      await tx.query(
        `insert into revoked_tokens (token_id, subject_type, subject_id, expires_at, revoked_at)
         values ($1, $2, $3, $4, $5) on conflict (token_id) do nothing`,
        [data.token_id, data.subject_type, data.subject_id, data.expires_at, data.revoked_at],
      );
    }),
  ],
});
