/**
 * Users and organisations as the API reads them: profiles, roles and whether a user may still act. No
 * password hashes, recovery codes or TOTP secrets here: those stay in the user's stream.
 */
import { projection } from "./projection.js";

export const usersProjection = projection({
  name: "users",
  version: 1,
  tables: ["users", "orgs"],
  schema: `
    create table users (
      id uuid primary key,
      org_id uuid not null,
      email text not null,
      display_name text not null,
      auth_method text not null,
      role text not null,
      active boolean not null default true,
      marketing_emails boolean not null default false,
      totp_enabled boolean not null default false,
      created_at timestamptz not null
    );
    create index users_email on users (email) where active;
    create index users_org on users (org_id) where active;
    create table orgs (id uuid primary key, name text not null, owner_id uuid not null, created_at timestamptz not null);`,
  on: {
    UserRegistered: (e, tx) => tx.query(
      `insert into users (id, org_id, email, display_name, auth_method, role, created_at)
       values ($1, $2, $3, $4, $5, $6, $7) on conflict (id) do nothing`,
      [e.data.user_id, e.data.org_id, e.data.email, e.data.display_name, e.data.auth_method, e.data.role, e.recordedAt]),
    UserProfileUpdated: (e, tx) => tx.query(
      `update users set display_name = coalesce($2, display_name), marketing_emails = coalesce($3, marketing_emails)
       where id = $1`,
      [userIdOf(e.stream), e.data.display_name ?? null, e.data.marketing_emails ?? null]),
    UserMfaEnabled: (e, tx) => tx.query(`update users set totp_enabled = true where id = $1`, [userIdOf(e.stream)]),
    UserMfaDisabled: (e, tx) => tx.query(`update users set totp_enabled = false where id = $1`, [userIdOf(e.stream)]),
    UserDeleted: (e, tx) => tx.query(`update users set active = false where id = $1`, [e.data.user_id]),
    OrgCreated: (e, tx) => tx.query(
      `insert into orgs (id, name, owner_id, created_at) values ($1, $2, $3, $4) on conflict (id) do nothing`,
      [e.data.org_id, e.data.name, e.data.owner_id, e.recordedAt]),
    OrgMemberRoleChanged: (e, tx) => tx.query(`update users set role = $2 where id = $1`, [e.data.user_id, e.data.role]),
    // A removed member's account stays (its history is audit), but it can no longer act.
    OrgMemberRemoved: (e, tx) => tx.query(`update users set active = false where id = $1`, [e.data.user_id]),
  },
});

/** `user-<uuid>` -> the uuid. */
function userIdOf(stream: string): string {
  return stream.slice("user-".length);
}
