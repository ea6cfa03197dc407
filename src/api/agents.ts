/** Wire schemas of `/v1/agents` and of the agent key -> JWT exchange. */
import { z } from "zod";
import { TOKEN_TTL_BOUNDS } from "../../commands/agent.js";
import { nestsQuantifiers, ShroudConfigSchema } from "../../events/shroud-config.js";

const decimal = z.string().max(80).regex(/^\d+(\.\d+)?$/, "must be a non-negative decimal number");
const timestamp = z.iso.datetime({ offset: true }).transform((text) => new Date(text).toISOString());

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The older spellings the seeds' Shroud docs use, mapped to the schema's names (which win when both are given). */
function currentShroudSpellings(input: unknown): unknown {
  if (!isObject(input)) return input;
  const config: Record<string, unknown> = { ...input };
  const renamed = (section: string, from: string, to: string) => {
    const object = config[section];
    if (!isObject(object) || !(from in object)) return;
    const { [from]: value, ...rest } = object;
    config[section] = { [to]: value, ...rest };
  };
  renamed("command_injection_detection", "strictness", "patterns");
  renamed("encoding_detection", "detect_unicode", "detect_unicode_escape");
  const older: Record<string, string> = { sanitize: "surgical", warn: "log_only" };
  if (typeof config.sanitization_mode === "string" && older[config.sanitization_mode]) {
    config.sanitization_mode = older[config.sanitization_mode];
  }
  return config;
}

/** `shroud_config` on input: the seeds' and the reference's spellings; unknown fields are dropped. */
export const ShroudConfigInput = z.preprocess(currentShroudSpellings, ShroudConfigSchema)
  // Custom command-injection patterns are regular expressions too (one that does not compile is matched
  // literally, as the reference does); checked here, not in the event's schema, which older events must pass.
  .refine((config) => !(config.command_injection_detection?.custom_patterns ?? []).some(nestsQuantifiers), {
    message: "must not nest quantifiers (such as (a+)+): their matching can take exponential time",
    path: ["command_injection_detection", "custom_patterns"],
  })
  .meta({ id: "ShroudConfig" });

/** Fields a human may set at creation and change later; `tx_*_eth` are the reference's deprecated aliases. */
export const agentSettingsFields = {
  description: z.string().max(2000).nullable().optional(),
  scopes: z.array(z.string().max(500)).max(200).optional(),
  vault_ids: z.array(z.uuid()).max(200).optional(),
  intents_api_enabled: z.boolean().optional(),
  token_ttl_seconds: z.number().int().min(TOKEN_TTL_BOUNDS.min).max(TOKEN_TTL_BOUNDS.max).nullable().optional(),
  expires_at: timestamp.nullable().optional(),
  tx_to_allowlist: z.array(z.string().max(200)).max(1000).optional(),
  tx_max_value: decimal.nullable().optional(),
  tx_max_value_eth: decimal.nullable().optional(),
  tx_daily_limit: decimal.nullable().optional(),
  tx_daily_limit_eth: decimal.nullable().optional(),
  tx_allowed_chains: z.array(z.string().max(100)).max(100).optional(),
  shroud_enabled: z.boolean().optional(),
  shroud_config: ShroudConfigInput.nullable().optional(),
};
export const AgentSettingsFields = z.object(agentSettingsFields);

const name = z.string().trim().min(1, "must not be empty").max(200);

export const CreateAgentRequest = z.object({
  name,
  auth_method: z.literal("api_key", "only api_key agents are supported").optional(),
  ...agentSettingsFields,
}).meta({ id: "CreateAgentRequest" });

export const UpdateAgentRequest = z.object({
  name: name.optional(),
  is_active: z.boolean().optional(),
  ...agentSettingsFields,
}).meta({ id: "UpdateAgentRequest" });

export const AgentResponse = z.object({
  id: z.uuid(),
  org_id: z.uuid(),
  name: z.string(),
  description: z.string().optional(),
  auth_method: z.literal("api_key"),
  scopes: z.array(z.string()),
  is_active: z.boolean(),
  intents_api_enabled: z.boolean(),
  tx_to_allowlist: z.array(z.string()),
  tx_max_value: z.string().nullable(),
  tx_daily_limit: z.string().nullable(),
  tx_max_value_eth: z.string().nullable(),
  tx_daily_limit_eth: z.string().nullable(),
  tx_allowed_chains: z.array(z.string()),
  token_ttl_seconds: z.number().int().nullable(),
  vault_ids: z.array(z.uuid()),
  ssh_public_key: z.string(),
  ecdh_public_key: z.string(),
  shroud_enabled: z.boolean(),
  shroud_config: ShroudConfigSchema.nullable(),
  created_by: z.uuid(),
  created_at: z.string(),
  expires_at: z.string().optional(),
}).meta({ id: "AgentResponse" });

export const AgentCreatedResponse = z.object({ agent: AgentResponse, api_key: z.string() }).meta({ id: "AgentCreatedResponse" });
export const AgentListResponse = z.object({ agents: z.array(AgentResponse) }).meta({ id: "AgentListResponse" });
export const AgentKeyRotatedResponse = z.object({ api_key: z.string() }).meta({ id: "AgentKeyRotatedResponse" });

export const AgentTokenRequest = z.object({ agent_id: z.uuid().optional(), api_key: z.string().min(1).max(200) })
  .meta({ id: "AgentTokenRequest" });
export const AgentTokenResponse = z.object({
  access_token: z.string(),
  token_type: z.literal("Bearer"),
  expires_in: z.number().int(),
  agent_id: z.uuid(),
  vault_ids: z.array(z.uuid()),
}).meta({ id: "AgentTokenResponse" });

export const EnrollAgentRequest = z.object({
  name,
  human_email: z.email().max(320),
  description: z.string().max(2000).optional(),
}).meta({ id: "EnrollAgentRequest" });
export const EnrollAgentResponse = z.object({
  /** The nil UUID: the answer is the same whether or not the email has an account. */
  agent_id: z.uuid(),
  message: z.string(),
  /** Keyledger: "pending" until the human hands the agent its id and key. */
  status: z.literal("pending").optional(),
  /** Keyledger: how the agent's id and key travel (mailed to the human; never in this answer). */
  credentials_delivery: z.literal("email_to_human").optional(),
}).meta({ id: "EnrollAgentResponse" });

/** `POST /v1/agents/{agent_id}/token`: `token` as the 1claw CLI reads it, and the usual token fields. */
export const MintedAgentTokenResponse = z.object({
  token: z.string(),
  access_token: z.string(),
  token_type: z.literal("Bearer"),
  expires_in: z.number().int(),
  agent_id: z.uuid(),
}).meta({ id: "MintedAgentTokenResponse" });

export const AgentIdParams = z.object({ agent_id: z.uuid() });

/** Most agents one batch may name: each is its own command, so the request's time grows with it. */
export const MAX_BATCH_DELETE = 100;
export const BatchDeleteAgentsRequest = z.object({
  agent_ids: z.array(z.uuid().transform((id) => id.toLowerCase())).min(1).max(MAX_BATCH_DELETE),
}).meta({ id: "BatchDeleteAgentsRequest" });
export const BatchDeleteAgentsResponse = z.object({
  /** How many of the named agents were deleted by this request. */
  deleted: z.number().int(),
  /** How many were not (unknown in the caller's organisation, already deleted): each one in `errors`. */
  failed: z.number().int(),
  errors: z.array(z.object({ id: z.string(), reason: z.string() })),
}).meta({ id: "BatchDeleteAgentsResponse" });
