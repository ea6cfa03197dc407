import { segment, type HttpClient } from "../http.js";
import type {
  InvitationListResponse, InviteRequest, InviteResponse, OneclawResponse, OrgMemberListResponse, OrgMemberResponse, OrgRole,
} from "../types.js";

/** The members of the caller's organisation, and invitations to it. */
export class OrgResource {
  constructor(private readonly http: HttpClient) {}

  listMembers(): Promise<OneclawResponse<OrgMemberListResponse>> {
    return this.http.request("GET", "/v1/org/members");
  }

  updateMemberRole(userId: string, role: OrgRole): Promise<OneclawResponse<OrgMemberResponse>> {
    return this.http.request("PATCH", `/v1/org/members/${segment(userId)}`, { body: { role } });
  }

  removeMember(userId: string): Promise<OneclawResponse<null>> {
    return this.http.request("DELETE", `/v1/org/members/${segment(userId)}`);
  }

  /** Mails `email` a link to sign up into the organisation with `role` (member when not given). */
  invite(email: string, role?: InviteRequest["role"]): Promise<OneclawResponse<InviteResponse>> {
    return this.http.request("POST", "/v1/org/invite", { body: role ? { email, role } : { email } });
  }

  listInvitations(): Promise<OneclawResponse<InvitationListResponse>> {
    return this.http.request("GET", "/v1/org/invites");
  }

  revokeInvitation(invitationId: string): Promise<OneclawResponse<null>> {
    return this.http.request("DELETE", `/v1/org/invites/${segment(invitationId)}`);
  }
}
