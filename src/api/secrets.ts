/** Wire schemas of secrets: `/v1/vaults/{vault_id}/secrets…`, versions, rotation. */
import { z } from "zod";
import { ENV_BUNDLE_TYPES, SECRET_TYPES } from "../../events/secret.js";
import { MAX_METADATA_BYTES, withinJsonBytes } from "./limits.js";

export { ENV_BUNDLE_TYPES, SECRET_TYPES };
export type SecretType = (typeof SECRET_TYPES)[number];

/** The reference's default type, used when a write names none. */
export const DEFAULT_SECRET_TYPE: SecretType = "generic";

export const SecretTypeInput = z.string().max(64).transform((type, ctx) => {
  const known = SECRET_TYPES.find((t) => t === type);
  if (!known) {
    ctx.addIssue({ code: "custom", message: `must be one of ${SECRET_TYPES.join(", ")}` });
    return z.NEVER;
  }
  return known;
});

/** Largest value we store, in characters (values are small credentials, certificates and .env files). */
export const MAX_VALUE_LENGTH = 256 * 1024;

export const PutSecretRequest = z.object({
  type: SecretTypeInput.optional(),
  /** The 1claw CLI's name for `type` (`env push`, `local sync`); either may be sent, not two different ones. */
  secret_type: SecretTypeInput.optional(),
  value: z.string().max(MAX_VALUE_LENGTH),
  metadata: withinJsonBytes(z.record(z.string(), z.unknown()), MAX_METADATA_BYTES).default({})
    .describe(`free-form; at most ${MAX_METADATA_BYTES} bytes as JSON (docs/input-rules.md)`),
  expires_at: z.iso.datetime({ offset: true }).nullable().optional(),
  max_access_count: z.number().int().min(0).max(1_000_000).default(0),
}).refine((body) => !body.type || !body.secret_type || body.type === body.secret_type, {
  message: "type and secret_type name different types", path: ["secret_type"],
}).transform(({ secret_type: secretType, ...body }) => ({ ...body, type: body.type ?? secretType ?? DEFAULT_SECRET_TYPE }))
  .meta({ id: "PutSecretRequest" });

export const RotateSecretRequest = z.object({
  length: z.number().int().min(8).max(1024).default(32),
  charset: z.enum(["hex", "base64", "alphanumeric", "ascii"]).default("hex"),
  type: SecretTypeInput.optional(),
}).meta({ id: "RotateSecretRequest" });

const cmekFields = {
  /** The value is a client-side CMEK blob: decrypt it with the customer key (SDK `decryptCmek`). */
  cmek_encrypted: z.boolean().optional(),
  /** Keyledger: which customer key, by fingerprint, the value is encrypted under. */
  cmek_fingerprint: z.string().optional(),
};

export const SecretMetadataResponse = z.object({
  id: z.uuid(),
  path: z.string(),
  type: z.string(),
  /** `type` again, under the name the 1claw CLI reads. */
  secret_type: z.string().optional(),
  version: z.number().int(),
  metadata: z.record(z.string(), z.unknown()),
  created_at: z.string(),
  expires_at: z.string().optional(),
  is_disabled: z.boolean().optional(),
  /** When the secret last changed (its newest version); in lists. */
  updated_at: z.string().optional(),
  ...cmekFields,
}).meta({ id: "SecretMetadataResponse" });

export const SecretResponse = z.object({
  id: z.uuid(),
  path: z.string(),
  type: z.string(),
  /** `type` again, under the name the 1claw CLI reads. */
  secret_type: z.string().optional(),
  value: z.string(),
  version: z.number().int(),
  metadata: z.record(z.string(), z.unknown()),
  created_by: z.string(),
  created_at: z.string(),
  expires_at: z.string().optional(),
  /** Keyledger: with `?format=json` on an env_bundle (or env) secret, its KEY=VALUE lines as an object. */
  env: z.record(z.string(), z.string()).optional(),
  ...cmekFields,
}).meta({ id: "SecretResponse" });

export const SecretListResponse = z.object({ secrets: z.array(SecretMetadataResponse) }).meta({ id: "SecretListResponse" });
export const SecretVersionListResponse = z.object({ versions: z.array(SecretMetadataResponse) })
  .meta({ id: "SecretVersionListResponse" });

export const VaultSecretsParams = z.object({ vault_id: z.string() });
export const SecretParams = z.object({ vault_id: z.string(), path: z.string() });
export const SecretVersionParams = SecretParams.extend({ version: z.coerce.number().int().positive() });
export const GetSecretQuery = z.object({ format: z.enum(["json"]).optional() });
export const ListSecretsQuery = z.object({ prefix: z.string().max(512).optional() });
