/** Wire schemas of `/v1/agents/{agent_id}/router-keys` (Shroud router keys). */
import { z } from "zod";
import { MAX_ROUTER_KEY_SPEND_CAP_USD, ROUTER_KEY_STREAM_BOUNDS } from "../../commands/router-keys.js";

export const CreateRouterKeyRequest = z.object({
  name: z.string().trim().min(1, "must not be empty").max(200),
  max_concurrent_streams: z.number().int().min(ROUTER_KEY_STREAM_BOUNDS.min).max(ROUTER_KEY_STREAM_BOUNDS.max)
    .default(ROUTER_KEY_STREAM_BOUNDS.default),
  /** US dollars the key may spend over its life, by Shroud's price table; absent or null: no cap. */
  spend_cap_usd: z.number().gt(0).max(MAX_ROUTER_KEY_SPEND_CAP_USD).nullable().optional(),
}).meta({ id: "CreateRouterKeyRequest" });

export const RouterKeyResponse = z.object({
  id: z.uuid(),
  agent_id: z.uuid(),
  name: z.string(),
  /** The key's first characters, to recognise it; never the key. */
  key_prefix: z.string(),
  max_concurrent_streams: z.number().int(),
  spend_cap_usd: z.number().nullable(),
  created_by: z.uuid(),
  created_at: z.string(),
  is_active: z.boolean(),
  revoked_at: z.string().nullable(),
}).meta({ id: "RouterKeyResponse" });

export const RouterKeyCreatedResponse = RouterKeyResponse.extend({
  /** The key itself (`sk-shroud-v1-…`): shown in this answer only. */
  key: z.string(),
  /** Where stock OpenAI/Anthropic SDKs send their calls with this key (Shroud's URL + /v1). */
  base_url: z.string(),
}).meta({ id: "RouterKeyCreatedResponse" });

export const RouterKeyListResponse = z.object({ router_keys: z.array(RouterKeyResponse) }).meta({ id: "RouterKeyListResponse" });

export const RouterKeyParams = z.object({ agent_id: z.uuid(), key_id: z.uuid() });
