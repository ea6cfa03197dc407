/**
 * Vaults: one stream per vault (`vault-<uuid>`). A vault's name is unique in its organisation, made exact by
 * a reservation stream per (org, name) (`vault_name-<uuid derived from org id and lower-cased name>`).
 * Deleting a vault destroys its KEK in the key provider: its secrets' ciphertexts stay in the log, unreadable.
 */
import { z } from "zod";
import { ActorSchema } from "./actor.js";
import { defineEvent, eventReader, type EventsOf } from "./define.js";


export const VaultCreated = defineEvent("VaultCreated", z.object({
  vault_id: z.uuid(),
  org_id: z.uuid(),
  name: z.string().min(1).max(128),
  description: z.string().max(1024).optional(),
  /** Id of the vault's key-encryption key in the key provider. */
  kek_id: z.string(),
  created_by: ActorSchema,
  /** The organisation's vault for agents' identity keys (`__agent-keys`): not deletable by users. */
  system: z.boolean().default(false),
}));

export const VaultDeleted = defineEvent("VaultDeleted", z.object({
  vault_id: z.uuid(),
  org_id: z.uuid(),
  deleted_by: ActorSchema,
  /** The KEK was destroyed in the key provider before this event was written. */
  kek_destroyed: z.literal(true),
}));

export const vaultEvents = [VaultCreated, VaultDeleted] as const;
export type VaultEvent = EventsOf<typeof vaultEvents>;
export const readVaultEvent = eventReader(vaultEvents);

export const VaultNameReserved = defineEvent("VaultNameReserved", z.object({
  org_id: z.uuid(), name: z.string(), vault_id: z.uuid(),
}));
export const VaultNameReleased = defineEvent("VaultNameReleased", z.object({
  org_id: z.uuid(), name: z.string(), vault_id: z.uuid(),
}));

export const vaultNameEvents = [VaultNameReserved, VaultNameReleased] as const;
export type VaultNameEvent = EventsOf<typeof vaultNameEvents>;
export const readVaultNameEvent = eventReader(vaultNameEvents);
