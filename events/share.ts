/**
 * Shares of one secret version (`share-<uuid>`): created, claimed (an email share, by the account that
 * owns the address), accepted or declined (targeted shares), accessed (each read of the value: the audit
 * record and what max_access_count counts), revoked, expired. A passphrase appears only as its argon2id hash.
 */
import { z } from "zod";
import { ActorSchema } from "./actor.js";
import { defineEvent, eventReader, type EventsOf } from "./define.js";


export const RECIPIENT_TYPES = ["user", "agent", "anyone_with_link", "creator", "external_email"] as const;

export const ShareCreated = defineEvent("ShareCreated", z.object({
  share_id: z.uuid(),
  org_id: z.uuid(),
  secret_id: z.uuid(),
  vault_id: z.uuid(),
  path: z.string(),
  /** The version shared: later versions of the secret are not exposed through this share. */
  version: z.number().int().positive(),
  recipient_type: z.enum(RECIPIENT_TYPES),
  /** The user or agent who may read it (for `creator`: the human who registered the calling agent). */
  recipient: ActorSchema.nullable(),
  /** For `external_email`: the address whose account claims the share. */
  recipient_email: z.string().nullable(),
  expires_at: z.iso.datetime({ offset: true }),
  /** 0: unlimited. */
  max_access_count: z.number().int().nonnegative(),
  passphrase_hash: z.string().nullable(),
  ip_allowlist: z.array(z.string()),
  created_by: ActorSchema,
}));

export const ShareClaimed = defineEvent("ShareClaimed", z.object({ share_id: z.uuid(), user_id: z.uuid() }));
export const ShareAccepted = defineEvent("ShareAccepted", z.object({ share_id: z.uuid(), accepted_by: ActorSchema }));
export const ShareDeclined = defineEvent("ShareDeclined", z.object({ share_id: z.uuid(), declined_by: ActorSchema }));

export const ShareAccessed = defineEvent("ShareAccessed", z.object({
  share_id: z.uuid(),
  secret_id: z.uuid(),
  version: z.number().int().positive(),
  /** Absent for an anonymous read of a link share (the client address is in the metadata). */
  accessed_by: ActorSchema.nullable(),
  /** Reads so far, this one included. */
  access_count: z.number().int().positive(),
}));

export const ShareRevoked = defineEvent("ShareRevoked", z.object({ share_id: z.uuid(), revoked_by: ActorSchema }));
/** Recorded by the first access attempt after `expires_at`. */
export const ShareExpired = defineEvent("ShareExpired", z.object({ share_id: z.uuid() }));

/**
 * A read through an existing share was refused (wrong passphrase or address, not accepted, gone...). Kept in
 * its own stream (`share_refusals-<share id>`): guessing passphrases must not lengthen the share's stream.
 */
export const ShareAccessRefused = defineEvent("ShareAccessRefused", z.object({
  share_id: z.uuid(),
  accessed_by: ActorSchema.nullable(),
  reason: z.string(),
}));

export const shareRefusalEvents = [ShareAccessRefused] as const;

export const shareEvents = [
  ShareCreated, ShareClaimed, ShareAccepted, ShareDeclined, ShareAccessed, ShareRevoked, ShareExpired,
] as const;
export type ShareEvent = EventsOf<typeof shareEvents>;
export const readShareEvent = eventReader(shareEvents);
