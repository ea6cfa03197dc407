/**
 * Personal API keys (`1ck_…`) of human users, one stream per key (`api_key-<uuid>`). The key is shown to its
 * owner once; events hold only its non-secret lookup prefix and a SHA-256 hash of the whole key (the key is
 * 256 random bits, so a fast hash is enough: there is nothing to brute-force).
 */
import { z } from "zod";
import { defineEvent, eventReader, type EventsOf } from "./define.js";

export const ApiKeyCreated = defineEvent("ApiKeyCreated", z.object({
  key_id: z.uuid(),
  user_id: z.uuid(),
  org_id: z.uuid(),
  name: z.string(),
  /** The key's first characters (`1ck_` + lookup id): shown in lists, used to find the key's row. */
  key_prefix: z.string(),
  /** Hex SHA-256 of the whole key. */
  key_hash: z.string().regex(/^[0-9a-f]{64}$/),
  scopes: z.array(z.string()),
  expires_at: z.iso.datetime().optional(),
  created_at: z.iso.datetime(),
}));

export const ApiKeyRevoked = defineEvent("ApiKeyRevoked", z.object({
  key_id: z.uuid(),
  user_id: z.uuid(),
  revoked_at: z.iso.datetime(),
}));

export const apiKeyEvents = [ApiKeyCreated, ApiKeyRevoked] as const;
export type ApiKeyEvent = EventsOf<typeof apiKeyEvents>;
export const readApiKeyEvent = eventReader(apiKeyEvents);
