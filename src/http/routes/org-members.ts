/**
 * The members of the caller's organisation: list (any member), change role and remove (owners and admins);
 * invitations: send, list and revoke (owners and admins).
 */
import { z } from "zod";
import type { Services } from "../../app/services.js";
import { requireRole, requireUser } from "../../auth/guards.js";
import { requestMetadata } from "../../auth/metadata.js";
import { MemberNotFound } from "../../../commands/org.js";
import { changeMemberRole, removeMember } from "../../humans/members.js";
import { findUserById, listOrgMembers, type UserProfile } from "../../humans/queries.js";
import { defineRoute, type Route } from "../route.js";
import {
  AgentKeysVaultResponse, InvitationListResponse, InvitationParams, InviteRequest, InviteResponse, MemberParams,
  OrgMemberListResponse, OrgMemberResponse, UpdateMemberRoleRequest,
} from "../../api/org.js";
import { inviteToOrg, listInvitations, revokeInvitation } from "../../humans/invitations.js";
import { findAgentKeysVault } from "../../vaults/queries.js";
import { HttpProblem } from "../problems.js";

function toMember(user: UserProfile): z.input<typeof OrgMemberResponse> {
  return { id: user.id, email: user.email, display_name: user.displayName, role: user.role, auth_method: user.authMethod,
    created_at: user.createdAt.toISOString() };
}

export function orgMemberRoutes(services: Services): Route[] {
  const tags = ["Organization"];

  /** A member of the caller's own org; anyone else is "not found", whether they exist elsewhere or not. */
  async function memberOf(orgId: string, userId: string): Promise<UserProfile> {
    const user = await findUserById(services.db, userId);
    if (!user?.active || user.orgId !== orgId) throw new MemberNotFound();
    return user;
  }

  return [
    defineRoute({
      method: "GET", path: "/v1/org/agent-keys-vault", summary: "Get the org's __agent-keys vault id", tags,
      description: "Users only. The vault holding the agents' identity private keys; 404 until the first agent exists.",
      operationId: "getAgentKeysVault", auth: "required", responses: { 200: AgentKeysVaultResponse },
    }).handle(async ({ principal }) => {
      const user = requireUser(principal);
      const vault = await findAgentKeysVault(services.db, user.orgId);
      if (!vault) throw new HttpProblem(404, "the organisation has no __agent-keys vault yet (it is created with the first agent)");
      return { status: 200, body: { vault_id: vault.id, id: vault.id, name: vault.name } };
    }),

    defineRoute({
      method: "GET", path: "/v1/org/members", summary: "List organisation members", tags, auth: "required",
      responses: { 200: OrgMemberListResponse },
    }).handle(async ({ principal }) => {
      const user = requireUser(principal);
      return { status: 200, body: { members: (await listOrgMembers(services.db, user.orgId)).map(toMember) } };
    }),

    defineRoute({
      method: "PATCH", path: "/v1/org/members/{user_id}", summary: "Change a member's role", tags, auth: "required",
      request: { params: MemberParams, body: UpdateMemberRoleRequest },
      responses: { 200: OrgMemberResponse },
    }).handle(async ({ params, body, principal, request }) => {
      const actor = requireRole(principal, "owner", "admin");
      await memberOf(actor.orgId, params.user_id);
      await changeMemberRole(services, actor.orgId, actor.id, params.user_id, body.role, requestMetadata(request, actor));
      return { status: 200, body: toMember(await memberOf(actor.orgId, params.user_id)) };
    }),

    defineRoute({
      method: "DELETE", path: "/v1/org/members/{user_id}", summary: "Remove a member from the organisation", tags,
      auth: "required",
      request: { params: MemberParams },
      responses: { 204: null },
    }).handle(async ({ params, principal, request }) => {
      const actor = requireRole(principal, "owner", "admin");
      const member = await memberOf(actor.orgId, params.user_id);
      await removeMember(services, actor.orgId, actor.id, member, requestMetadata(request, actor));
      return { status: 204 };
    }),

    defineRoute({
      method: "POST", path: "/v1/org/invite", summary: "Invite someone to the organisation by email", tags, auth: "required",
      description: "Owners and admins. Mails a single-use link valid 7 days; the invitee signs up with it " +
        "(POST /v1/auth/accept-invite) and joins with `role` (admin or member). The answer is the same whether the " +
        "address has an account or not.",
      request: { body: InviteRequest }, responses: { 200: InviteResponse },
    }).handle(async ({ body, principal, request }) => {
      const actor = requireRole(principal, "owner", "admin");
      const { email } = await inviteToOrg(services, { id: actor.id, orgId: actor.orgId, role: actor.role, email: actor.email }, body.email,
        body.role, requestMetadata(request, actor));
      return { status: 200, body: { message: `invitation sent to ${email}`, email } };
    }),

    defineRoute({
      method: "GET", path: "/v1/org/invites", summary: "List the organisation's invitations", tags, auth: "required",
      description: "Owners and admins; newest first. A pending invitation past its expiry is `expired`.",
      responses: { 200: InvitationListResponse },
    }).handle(async ({ principal }) => {
      const actor = requireRole(principal, "owner", "admin");
      const invitations = await listInvitations(services.db, actor.orgId, services.clock());
      return { status: 200, body: { invitations: invitations.map((i) => ({ id: i.id, email: i.email, role: i.role,
        invited_by: i.invitedBy, created_at: i.createdAt.toISOString(), expires_at: i.expiresAt.toISOString(), status: i.status })) } };
    }),

    defineRoute({
      method: "DELETE", path: "/v1/org/invites/{invitation_id}", summary: "Revoke a pending invitation", tags,
      auth: "required", request: { params: InvitationParams }, responses: { 204: null },
    }).handle(async ({ params, principal, request }) => {
      const actor = requireRole(principal, "owner", "admin");
      await revokeInvitation(services, { id: actor.id, orgId: actor.orgId, role: actor.role, email: actor.email }, params.invitation_id,
        requestMetadata(request, actor));
      return { status: 204 };
    }),
  ];
}
