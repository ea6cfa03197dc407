/** Wire schemas of `/v1/vaults/{vault_id}/policies`. */
import { z } from "zod";
import { PermissionSchema, PolicyConditionsSchema } from "../../events/policy.js";
import { MAX_PATTERN_LENGTH } from "../../commands/rules/glob.js";
import { MAX_CONDITIONS_BYTES, withinJsonBytes } from "./limits.js";

const timestamp = z.iso.datetime({ offset: true }).transform((text) => new Date(text));
const Permissions = z.array(PermissionSchema).min(1).max(3);
const Effect = z.enum(["allow", "deny"]);
const Priority = z.number().int().min(0).max(1_000_000);
const Conditions = withinJsonBytes(PolicyConditionsSchema, MAX_CONDITIONS_BYTES).meta({
  description: "ip_allowlist: CIDR blocks the request must come from; time_windows: [{days?, start 'HH:MM', end " +
    "'HH:MM' (end before start runs overnight), timezone? (IANA, default UTC)}], any one suffices. Other keys: 400. " +
    `At most ${MAX_CONDITIONS_BYTES} bytes as JSON.`,
});

export const CreatePolicyRequest = z.object({
  secret_path_pattern: z.string().min(1).max(MAX_PATTERN_LENGTH).transform((p) => p.normalize("NFC")).meta({
    description: "Glob over secret paths: `*` matches within one segment, `**` any number of segments",
  }),
  principal_type: z.enum(["user", "agent"]),
  principal_id: z.uuid().transform((id) => id.toLowerCase()),
  permissions: Permissions,
  conditions: Conditions.optional(),
  expires_at: timestamp.nullable().optional(),
  effect: Effect.default("allow"),
  priority: Priority.default(0),
}).meta({ id: "CreatePolicyRequest" });

export const UpdatePolicyRequest = z.object({
  permissions: Permissions.optional(),
  conditions: Conditions.optional(),
  expires_at: timestamp.nullable().optional(),
  effect: Effect.optional(),
  priority: Priority.optional(),
}).meta({ id: "UpdatePolicyRequest", description: "Terms left out keep their value; expires_at: null removes the expiry" });

export const PolicyResponse = z.object({
  id: z.uuid(),
  vault_id: z.uuid(),
  secret_path_pattern: z.string(),
  principal_type: z.enum(["user", "agent"]),
  principal_id: z.string(),
  permissions: z.array(PermissionSchema),
  conditions: z.record(z.string(), z.unknown()),
  expires_at: z.string().optional(),
  created_by: z.string(),
  created_by_type: z.string(),
  created_at: z.string(),
  effect: Effect,
  priority: z.number().int(),
}).meta({ id: "PolicyResponse" });

export const PolicyListResponse = z.object({ policies: z.array(PolicyResponse) }).meta({ id: "PolicyListResponse" });

export const PolicyVaultParams = z.object({ vault_id: z.string() });
export const PolicyParams = z.object({ vault_id: z.string(), policy_id: z.uuid().transform((id) => id.toLowerCase()) });
