/**
 * The invitations of every organisation, as the Team page lists them. No token hash: the read model only
 * says who was invited, with which role, by whom, until when, and how it ended.
 */
import { occurredAt } from "../events/recorded.js";
import { InvitationAccepted, InvitationRevoked, InvitationSent } from "../events/invitation.js";
import { on, projection } from "./projection.js";

export const invitationsProjection = projection({
  name: "invitations",
  version: 1,
  tables: ["invitations"],
  schema: `
    create table invitations (
      id uuid primary key,
      org_id uuid not null,
      email text not null,
      role text not null,
      invited_by uuid not null,
      created_at timestamptz not null,
      expires_at timestamptz not null,
      status text not null check (status in ('pending', 'accepted', 'revoked')),
      accepted_by uuid
    );
    create index invitations_by_org on invitations (org_id, created_at);
  `,
  handlers: [
    on(InvitationSent, async (event, tx) => {
      const { data } = event;
      await tx.query(
        `insert into invitations (id, org_id, email, role, invited_by, created_at, expires_at, status)
         values ($1, $2, $3, $4, $5, $6, $7, 'pending') on conflict (id) do nothing`,
        [data.invitation_id, data.org_id, data.email, data.role, data.invited_by, occurredAt(event), data.expires_at],
      );
    }),
    on(InvitationAccepted, async ({ data }, tx) => {
      await tx.query(`update invitations set status = 'accepted', accepted_by = $2 where id = $1`, [data.invitation_id, data.user_id]);
    }),
    on(InvitationRevoked, async ({ data }, tx) => {
      await tx.query(`update invitations set status = 'revoked' where id = $1`, [data.invitation_id]);
    }),
  ],
});
