/** Wire schemas of sharing: `/v1/secrets/{secret_id}/share`, `/v1/shares…`, `/v1/share/{share_id}`. */
import { z } from "zod";
import { RECIPIENT_TYPES } from "../../events/share.js";

export { RECIPIENT_TYPES };

/** A share's passphrase travels in this header, never in the URL. */
export const PASSPHRASE_HEADER = "X-Share-Passphrase";

export const CreateShareRequest = z.object({
  recipient_type: z.enum(RECIPIENT_TYPES),
  recipient_id: z.uuid().nullish(),
  email: z.email().max(320).nullish(),
  max_access_count: z.number().int().min(0).max(1_000_000).default(5),
  expires_at: z.iso.datetime({ offset: true }),
  passphrase: z.string().min(1).max(1024).nullish(),
  ip_allowlist: z.array(z.string().max(64)).max(100).nullish(),
}).meta({ id: "CreateShareRequest" });

/**
 * `POST /v1/shares`, the 1claw CLI's form: the secret in the body, and the address as `email` or
 * `recipient_email`.
 */
export const CreateShareByIdRequest = CreateShareRequest.extend({
  secret_id: z.string().max(64),
  recipient_email: z.email().max(320).nullish(),
}).meta({ id: "CreateShareByIdRequest" });

export const ShareListQuery = z.object({ direction: z.enum(["inbound", "outbound"]).default("outbound") });

export const ShareResponse = z.object({
  id: z.uuid(),
  share_url: z.string(),
  secret_id: z.uuid(),
  recipient_type: z.string(),
  recipient_id: z.uuid().optional(),
  recipient_email: z.string().optional(),
  expires_at: z.string(),
  max_access_count: z.number().int(),
}).meta({ id: "ShareResponse" });

export const ShareListItem = z.object({
  id: z.uuid(),
  secret_id: z.uuid(),
  secret_path: z.string(),
  recipient_type: z.string(),
  recipient_id: z.uuid().optional(),
  recipient_email: z.string().optional(),
  created_by: z.string(),
  /** pending, accepted, declined (targeted shares), open (link shares), revoked, expired. */
  status: z.string(),
  access_count: z.number().int(),
  max_access_count: z.number().int(),
  has_passphrase: z.boolean(),
  expires_at: z.string(),
  created_at: z.string(),
  is_expired: z.boolean(),
  is_accepted: z.boolean(),
}).meta({ id: "ShareListItem" });

export const ShareListResponse = z.object({ shares: z.array(ShareListItem) }).meta({ id: "ShareListResponse" });

export const SharedSecretResponse = z.object({
  id: z.uuid(),
  share_id: z.uuid(),
  path: z.string(),
  type: z.string(),
  version: z.number().int(),
  value: z.string(),
  access_count: z.number().int(),
  max_access_count: z.number().int(),
}).meta({ id: "SharedSecretResponse" });

export const SecretIdParams = z.object({ secret_id: z.string() });
export const ShareParams = z.object({ share_id: z.string() });
