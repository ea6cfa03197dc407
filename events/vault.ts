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

/** SHA-256 of a customer's 32-byte CMEK key, lowercase hex: all the server ever knows of that key. */
export const CmekFingerprintSchema = z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex characters (SHA-256 of the key)");

/** Customer-managed encryption turned on: values written from now on are client-side encrypted under this key. */
export const VaultCmekEnabled = defineEvent("VaultCmekEnabled", z.object({
  vault_id: z.uuid(), org_id: z.uuid(), fingerprint: CmekFingerprintSchema, enabled_by: ActorSchema,
}));

/** Turned off: new writes are HSM-only; values already written stay under the key they were written with. */
export const VaultCmekDisabled = defineEvent("VaultCmekDisabled", z.object({
  vault_id: z.uuid(), org_id: z.uuid(), fingerprint: CmekFingerprintSchema, disabled_by: ActorSchema,
}));

/** A rotation job took the vault's rotation slot: no other rotation, enable or disable until it ends. */
export const VaultCmekRotationBegan = defineEvent("VaultCmekRotationBegan", z.object({
  vault_id: z.uuid(), org_id: z.uuid(), job_id: z.uuid(), old_fingerprint: CmekFingerprintSchema,
  new_fingerprint: CmekFingerprintSchema, requested_by: ActorSchema,
}));

/** Every value on the old key was re-encrypted: the new key is the vault's key in force. */
export const VaultCmekRotated = defineEvent("VaultCmekRotated", z.object({
  vault_id: z.uuid(), org_id: z.uuid(), job_id: z.uuid(), old_fingerprint: CmekFingerprintSchema,
  new_fingerprint: CmekFingerprintSchema,
}));

/** The job failed: the vault keeps its old key in force and the slot is free again. */
export const VaultCmekRotationAbandoned = defineEvent("VaultCmekRotationAbandoned", z.object({
  vault_id: z.uuid(), org_id: z.uuid(), job_id: z.uuid(), reason: z.string().max(1024),
}));

export const vaultEvents = [VaultCreated, VaultDeleted, VaultCmekEnabled, VaultCmekDisabled, VaultCmekRotationBegan,
  VaultCmekRotated, VaultCmekRotationAbandoned] as const;
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
