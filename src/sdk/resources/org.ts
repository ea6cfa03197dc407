import { segment, type HttpClient } from "../http.js";
import type { OneclawResponse, OrgMemberListResponse, OrgMemberResponse, OrgRole } from "../types.js";

/** The members of the caller's organisation. */
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
}
