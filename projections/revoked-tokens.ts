/**
 * Revoked access tokens, read by the authenticator on every JWT request. It lives in the shared database,
 * so a revocation made on one node is seen by all. Only tokens revoked before they expire matter; rows
 * past their expiry are dead weight the authenticator ignores.
 *
 * A credential change revokes every token its subject was issued before it (in the log's order): a
 * password change or an account deletion for a user, a key rotation or a deletion for an agent. The tokens
 * still alive are kept in `issued_tokens` for that. Rows of both tables are forgotten a day after their
 * token expired, as of the latest issuance (a time from the log, so a rebuild or replay forgets the same).
 */
import { AccessTokenIssued, AccessTokenRevoked } from "../events/access-token.js";
import { AgentApiKeyRotated, AgentDeleted } from "../events/agent.js";
import { UserDeleted, UserPasswordChanged } from "../events/user.js";
import { occurredAt } from "../events/recorded.js";
import { on, projection } from "./projection.js";
import type { Queryable } from "./queryable.js";

async function revokeIssuedBefore(tx: Queryable, subjectType: "user" | "agent", subjectId: string, at: Date): Promise<void> {
  await tx.query(
    `insert into revoked_tokens (token_id, subject_type, subject_id, expires_at, revoked_at)
     select token_id, subject_type, subject_id, expires_at, $3 from issued_tokens
      where subject_type = $1 and subject_id = $2 and expires_at > $3
     on conflict (token_id) do nothing`,
    [subjectType, subjectId, at.toISOString()],
  );
  await tx.query(`delete from issued_tokens where subject_type = $1 and subject_id = $2`, [subjectType, subjectId]);
}

export const revokedTokensProjection = projection({
  name: "revoked_tokens",
  version: 3,
  tables: ["revoked_tokens", "issued_tokens"],
  schema: `create table revoked_tokens (
             token_id uuid primary key,
             subject_type text not null,
             subject_id uuid not null,
             expires_at timestamptz not null,
             revoked_at timestamptz not null);
           create index revoked_tokens_expiry on revoked_tokens (expires_at);
           create table issued_tokens (
             token_id uuid primary key,
             subject_type text not null,
             subject_id uuid not null,
             expires_at timestamptz not null);
           create index issued_tokens_subject on issued_tokens (subject_id);
           create index issued_tokens_expiry on issued_tokens (expires_at);`,
  handlers: [
    on(AccessTokenIssued, async (event, tx) => {
      const { data } = event;
      await tx.query(
        `insert into issued_tokens (token_id, subject_type, subject_id, expires_at) values ($1, $2, $3, $4)
         on conflict (token_id) do nothing`,
        [data.token_id, data.subject_type, data.subject_id, data.expires_at],
      );
      const dayAgo = [occurredAt(event).toISOString()];
      await tx.query(`delete from issued_tokens where expires_at < $1::timestamptz - interval '1 day'`, dayAgo);
      await tx.query(`delete from revoked_tokens where expires_at < $1::timestamptz - interval '1 day'`, dayAgo);
    }),
    on(AccessTokenRevoked, async ({ data }, tx) => {
      await tx.query(
        `insert into revoked_tokens (token_id, subject_type, subject_id, expires_at, revoked_at)
         values ($1, $2, $3, $4, $5) on conflict (token_id) do nothing`,
        [data.token_id, data.subject_type, data.subject_id, data.expires_at, data.revoked_at],
      );
    }),
    // The user's own stream: its id is the stream's.
    on(UserPasswordChanged, (event, tx) => revokeIssuedBefore(tx, "user", event.stream.slice("user-".length), occurredAt(event))),
    on(UserDeleted, (event, tx) => revokeIssuedBefore(tx, "user", event.data.user_id, occurredAt(event))),
    on(AgentApiKeyRotated, (event, tx) => revokeIssuedBefore(tx, "agent", event.data.agent_id, occurredAt(event))),
    on(AgentDeleted, (event, tx) => revokeIssuedBefore(tx, "agent", event.data.agent_id, occurredAt(event))),
  ],
});
