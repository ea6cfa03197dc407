/**
 * Users and organisations as the API reads them: profiles, roles and whether a user may still act. No
 * password hashes, recovery codes or TOTP secrets here: those stay in the user's stream.
 */
import { OrgCreated, OrgMemberRemoved, OrgMemberRoleChanged } from "../events/org.js";
import {
  UserDeleted, UserEmailChanged, UserMfaDisabled, UserMfaEnabled, UserProfileUpdated, UserRegistered,
} from "../events/user.js";
import { on, projection } from "./projection.js";

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
  handlers: [
    on(UserRegistered, ({ data, recordedAt }, tx) => tx.query(
      `insert into users (id, org_id, email, display_name, auth_method, role, created_at)
       values ($1, $2, $3, $4, $5, $6, $7) on conflict (id) do nothing`,
      [data.user_id, data.org_id, data.email, data.display_name, data.auth_method, data.role, recordedAt])),
    on(UserProfileUpdated, ({ data, stream }, tx) => tx.query(
      `update users set display_name = coalesce($2, display_name), marketing_emails = coalesce($3, marketing_emails)
       where id = $1`,
      [userIdOf(stream), data.display_name ?? null, data.marketing_emails ?? null])),
    on(UserEmailChanged, ({ data, stream }, tx) => tx.query(`update users set email = $2 where id = $1`, [userIdOf(stream), data.email])),
    on(UserMfaEnabled, ({ stream }, tx) => tx.query(`update users set totp_enabled = true where id = $1`, [userIdOf(stream)])),
    on(UserMfaDisabled, ({ stream }, tx) => tx.query(`update users set totp_enabled = false where id = $1`, [userIdOf(stream)])),
    on(UserDeleted, ({ data }, tx) => tx.query(`update users set active = false where id = $1`, [data.user_id])),
    on(OrgCreated, ({ data, recordedAt }, tx) => tx.query(
      `insert into orgs (id, name, owner_id, created_at) values ($1, $2, $3, $4) on conflict (id) do nothing`,
      [data.org_id, data.name, data.owner_id, recordedAt])),
    on(OrgMemberRoleChanged, ({ data }, tx) => tx.query(`update users set role = $2 where id = $1`, [data.user_id, data.role])),
    // A removed member's account stays (its history is audit), but it can no longer act.
    on(OrgMemberRemoved, ({ data }, tx) => tx.query(`update users set active = false where id = $1`, [data.user_id])),
  ],
});

/** `user-<uuid>` -> the uuid. */
function userIdOf(stream: string): string {
  return stream.slice("user-".length);
}
