/**
 * Secrets: one stream per secret (`secret-<uuid>`), the id derived from (vault id, path) so that concurrent
 * first writes to one path meet in one stream. Values only ever appear sealed (envelope encryption bound to
 * vault, secret and version). Reads are high-volume and live in their own stream (`secret_reads-<secret id>`):
 * appended with expected revision "any" for unlimited secrets, and with the exact revision of that stream
 * for secrets with a max_access_count, which makes the count exact under concurrent readers.
 */
import { z } from "zod";
import { ActorSchema } from "./actor.js";
import { defineEvent, eventReader, type EventsOf } from "./define.js";
import { SealedValueSchema } from "./sealed-value.js";
import { CmekFingerprintSchema } from "./vault.js";

/**
 * The types clients send, stored as sent: the MCP server's and CLI's vocabulary, and the reference spec's
 * `generic` (its default) and `env` (its name for a .env bundle).
 */
export const SECRET_TYPES = ["api_key", "password", "private_key", "certificate", "file", "note", "ssh_key", "env_bundle",
  "generic", "env"] as const;
/** Types whose value is KEY=VALUE lines (a .env file): checked when stored, offered parsed when read. */
export const ENV_BUNDLE_TYPES: readonly string[] = ["env_bundle", "env"];
export const SecretTypeSchema = z.enum(SECRET_TYPES);

const place = { vault_id: z.uuid(), org_id: z.uuid(), secret_id: z.uuid(), path: z.string() };

export const SecretVersionAdded = defineEvent("SecretVersionAdded", z.object({
  ...place,
  version: z.number().int().positive(),
  type: SecretTypeSchema,
  sealed: SealedValueSchema,
  /** Size of the plaintext in bytes (for reporting; never the value or a hash of it). */
  size: z.number().int().nonnegative(),
  metadata: z.record(z.string(), z.unknown()).default({}),
  expires_at: z.iso.datetime({ offset: true }).nullable().default(null),
  /** 0: unlimited. Counts reads of the secret from this version on. */
  max_access_count: z.number().int().nonnegative().default(0),
  /** "put" for PUT, "rotate" for POST secret-rotate. */
  reason: z.enum(["put", "rotate"]).default("put"),
  written_by: ActorSchema,
  /**
   * Set when the vault had CMEK on: the value is the client's v1 blob, encrypted under the key with this
   * fingerprint (what rotation resumes by). Null for plain values.
   */
  cmek_fingerprint: CmekFingerprintSchema.nullable().default(null),
}));

/**
 * Versions re-encrypted by a CMEK rotation job: each listed version's value is now the blob under the new
 * key, sealed afresh under the vault's KEK. Version numbers, reads and settings are unchanged.
 */
export const SecretCmekResealed = defineEvent("SecretCmekResealed", z.object({
  ...place,
  job_id: z.uuid(),
  versions: z.array(z.object({
    version: z.number().int().positive(), sealed: SealedValueSchema, cmek_fingerprint: CmekFingerprintSchema,
  })).min(1),
}));

export const SecretVersionDisabled = defineEvent("SecretVersionDisabled", z.object({
  ...place, version: z.number().int().positive(), disabled_by: ActorSchema,
}));

export const SecretDeleted = defineEvent("SecretDeleted", z.object({ ...place, deleted_by: ActorSchema }));
export const SecretRestored = defineEvent("SecretRestored", z.object({ ...place, restored_by: ActorSchema }));

export const secretEvents = [SecretVersionAdded, SecretVersionDisabled, SecretDeleted, SecretRestored, SecretCmekResealed] as const;
export type SecretEvent = EventsOf<typeof secretEvents>;
export const readSecretEvent = eventReader(secretEvents);

/** A value was returned to a caller: the audit record of the read, and what max_access_count counts. */
export const SecretValueRead = defineEvent("SecretValueRead", z.object({
  ...place,
  version: z.number().int().positive(),
  reader: ActorSchema,
  /** The policy that granted the read; absent for the vault's creator. */
  policy_id: z.uuid().optional(),
}));

/**
 * A value returned through a share, counted against the secret's own max_access_count: recorded, beside the
 * share's ShareAccessed, only for versions with a limit (the reader is null for an anonymous link holder).
 */
export const SecretReadThroughShare = defineEvent("SecretReadThroughShare", z.object({
  ...place,
  version: z.number().int().positive(),
  share_id: z.uuid(),
  reader: ActorSchema.nullable(),
}));

export const secretReadEvents = [SecretValueRead, SecretReadThroughShare] as const;
export type SecretReadEvent = EventsOf<typeof secretReadEvents>;
export const readSecretReadEvent = eventReader(secretReadEvents);
