/**
 * Shroud router keys (`sk-shroud-v1-…`): bearer keys a human mints for one of their agents so that stock
 * OpenAI/Anthropic SDKs can call Shroud. Minting and revoking are facts of the agent's own stream (the agent
 * decides the 20-live-keys rule and whether Shroud is on); what a key spends goes to a stream of its own
 * (`router_key_spend-<key id>`), one fact per priced call, so the agent's stream stays short. Like personal
 * API keys, events hold only the key's lookup prefix and its SHA-256 hash.
 */
import { z } from "zod";
import { defineEvent, eventReader, type EventsOf } from "./define.js";

export const RouterKeyMinted = defineEvent("RouterKeyMinted", z.object({
  key_id: z.uuid(),
  agent_id: z.uuid(),
  org_id: z.uuid(),
  name: z.string().max(200),
  /** `sk-shroud-v1-` plus the key's first characters: shown in lists, used to find the key's row. */
  key_prefix: z.string().max(40),
  /** Hex SHA-256 of the whole key. */
  key_hash: z.string().regex(/^[0-9a-f]{64}$/),
  max_concurrent_streams: z.number().int().min(1),
  /** null: no cap. */
  spend_cap_micro_usd: z.number().int().min(1).nullable(),
  created_by: z.uuid(),
  created_at: z.iso.datetime(),
}));

export const RouterKeyRevoked = defineEvent("RouterKeyRevoked", z.object({
  key_id: z.uuid(),
  agent_id: z.uuid(),
  org_id: z.uuid(),
  revoked_by: z.uuid(),
  revoked_at: z.iso.datetime(),
}));

/** A call made with the key cost this much by Shroud's price table (recorded only when it cost something). */
export const RouterKeySpent = defineEvent("RouterKeySpent", z.object({
  key_id: z.uuid(),
  agent_id: z.uuid(),
  org_id: z.uuid(),
  call_id: z.uuid(),
  cost_micro_usd: z.number().int().min(1),
}));

export const routerKeySpendEvents = [RouterKeySpent] as const;
export type RouterKeySpendEvent = EventsOf<typeof routerKeySpendEvents>;
export const readRouterKeySpendEvent = eventReader(routerKeySpendEvents);
