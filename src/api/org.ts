/** Wire schemas of `/v1/org/members`. */
import { z } from "zod";
import { Email } from "./auth.js";

export const OrgRole = z.enum(["owner", "admin", "member"]);

export const OrgMemberResponse = z.object({
  id: z.uuid(),
  email: z.string(),
  display_name: z.string(),
  role: OrgRole,
  auth_method: z.string(),
  created_at: z.string(),
}).meta({ id: "OrgMemberResponse" });

export const OrgMemberListResponse = z.object({ members: z.array(OrgMemberResponse) });
export const UpdateMemberRoleRequest = z.object({ role: OrgRole });
export const MemberParams = z.object({ user_id: z.uuid() });

/** `GET /v1/org/agent-keys-vault`: the organisation's `__agent-keys` vault (agents' identity private keys). */
export const AgentKeysVaultResponse = z.object({ vault_id: z.uuid(), id: z.uuid(), name: z.string() })
  .meta({ id: "AgentKeysVaultResponse" });

/** `POST /v1/org/invite` (1claw's shape): an invitation grants admin or member, member when not said. */
export const InviteRequest = z.object({ email: Email, role: z.enum(["admin", "member"]).default("member") })
  .meta({ id: "InviteRequest" });
export const InviteResponse = z.object({ message: z.string(), email: z.string() }).meta({ id: "InviteResponse" });

export const InvitationResponse = z.object({
  id: z.uuid(),
  email: z.string(),
  role: z.enum(["admin", "member"]),
  invited_by: z.uuid(),
  created_at: z.string(),
  expires_at: z.string(),
  status: z.enum(["pending", "accepted", "revoked", "expired"]),
}).meta({ id: "InvitationResponse" });
export const InvitationListResponse = z.object({ invitations: z.array(InvitationResponse) });
export const InvitationParams = z.object({ invitation_id: z.uuid() });
