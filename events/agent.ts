/**
 * Agents: one stream per agent (`agent-<uuid>`). The agent's API key appears only as its non-secret lookup
 * prefix and a SHA-256 hash of the whole key (256 random bits: a fast hash leaves nothing to brute-force);
 * its identity private keys only sealed under the organisation's agent-keys KEK in the key provider.
 */
import { z } from "zod";
import { defineEvent, eventReader, type EventsOf } from "./define.js";
import { RouterKeyMinted, RouterKeyRevoked } from "./router-key.js";
import { SealedValueSchema } from "./sealed-value.js";
import { ShroudConfigSchema } from "./shroud-config.js";

const sealedValue = SealedValueSchema;

const apiKey = z.object({
  /** `ocv_` + lookup id: the part of the key that finds its row, never enough to use it. */
  key_prefix: z.string().regex(/^ocv_[0-9a-f]{16}$/),
  /** Hex SHA-256 of the whole key. */
  key_hash: z.string().regex(/^[0-9a-f]{64}$/),
});

/**
 * An Ed25519 SSH key pair and an X25519 ECDH key pair. The private halves (PKCS#8 DER) are secrets in the
 * organisation's `__agent-keys` vault (`private_keys` says where); events written before that vault existed
 * carry them sealed under the organisation's agent-keys KEK instead.
 */
export const IdentityKeysSchema = z.object({
  /** Identifies this generation of keys. */
  keyset_id: z.uuid(),
  /** OpenSSH wire-format public key blob, base64 (what follows `ssh-ed25519 ` in authorized_keys). */
  ssh_public_key: z.string(),
  /** Raw 32-byte X25519 public key, base64. */
  ecdh_public_key: z.string(),
  private_keys: z.object({
    vault_id: z.uuid(),
    ssh: z.object({ path: z.string(), version: z.number().int().positive() }),
    ecdh: z.object({ path: z.string(), version: z.number().int().positive() }),
  }).optional(),
  ssh_private_key: sealedValue.optional(),
  ecdh_private_key: sealedValue.optional(),
});

const decimal = z.string().regex(/^\d+(\.\d+)?$/);

/** What a human may set on an agent; every field of an update is optional, null clears the nullable ones. */
export const agentSettingsShape = {
  name: z.string(),
  description: z.string().nullable(),
  scopes: z.array(z.string()),
  vault_ids: z.array(z.uuid()),
  is_active: z.boolean(),
  intents_api_enabled: z.boolean(),
  /** Null: the server default (3600 s). */
  token_ttl_seconds: z.number().int().nullable(),
  expires_at: z.iso.datetime().nullable(),
  tx_to_allowlist: z.array(z.string()),
  /** Native major units (ETH on EVM), as decimal strings; null means unlimited. */
  tx_max_value: decimal.nullable(),
  tx_daily_limit: decimal.nullable(),
  tx_allowed_chains: z.array(z.string()),
  /** Whether the agent may use Shroud (the LLM proxy); absent on events written before Shroud: false. */
  shroud_enabled: z.boolean().optional(),
  /** The agent's Shroud settings; null or absent: every default. */
  shroud_config: ShroudConfigSchema.nullable().optional(),
};

export const AgentCreated = defineEvent("AgentCreated", z.object({
  agent_id: z.uuid(),
  org_id: z.uuid(),
  /** The user who registered the agent (or whose email an enrolment named). */
  created_by: z.uuid(),
  /** "api": registered by a signed-in human; "enrollment": self-enrolled through POST /v1/agents/enroll. */
  origin: z.enum(["api", "enrollment"]),
  auth_method: z.literal("api_key"),
  ...agentSettingsShape,
  api_key: apiKey,
  identity: IdentityKeysSchema,
  created_at: z.iso.datetime(),
}));

export const AgentUpdated = defineEvent("AgentUpdated", z.object({
  agent_id: z.uuid(),
  org_id: z.uuid(),
  /** Only the fields whose value changed. */
  changes: z.object(agentSettingsShape).partial(),
  updated_at: z.iso.datetime(),
}));

export const AgentApiKeyRotated = defineEvent("AgentApiKeyRotated", z.object({
  agent_id: z.uuid(),
  org_id: z.uuid(),
  api_key: apiKey,
  rotated_at: z.iso.datetime(),
}));

export const AgentIdentityKeysRotated = defineEvent("AgentIdentityKeysRotated", z.object({
  agent_id: z.uuid(),
  org_id: z.uuid(),
  identity: IdentityKeysSchema,
  rotated_at: z.iso.datetime(),
}));

export const AgentDeleted = defineEvent("AgentDeleted", z.object({
  agent_id: z.uuid(),
  org_id: z.uuid(),
  deleted_at: z.iso.datetime(),
}));

export const agentEvents = [AgentCreated, AgentUpdated, AgentApiKeyRotated, AgentIdentityKeysRotated, AgentDeleted,
  RouterKeyMinted, RouterKeyRevoked] as const;
export type AgentEvent = EventsOf<typeof agentEvents>;
export const readAgentEvent = eventReader(agentEvents);

export type AgentSettings = z.output<z.ZodObject<typeof agentSettingsShape>>;
export type IdentityKeys = z.output<typeof IdentityKeysSchema>;
export type AgentApiKeyHash = z.output<typeof apiKey>;
