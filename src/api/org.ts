/** Wire schemas of `/v1/org/members`. */
import { z } from "zod";

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
