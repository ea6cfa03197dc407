/**
 * A human user's life: registration, profile, password, MFA, deletion. Password hashes (argon2id PHC
 * strings), recovery-code hashes and the TOTP secret sealed under the key provider only: never a plaintext.
 */
import { z } from "zod";
import { defineEvent, eventReader, type EventsOf } from "./define.js";
import { SealedValueSchema } from "./sealed-value.js";

const Role = z.enum(["owner", "admin", "member"]);
export const UserRegistered = defineEvent("UserRegistered", z.object({
  user_id: z.uuid(),
  org_id: z.uuid(),
  email: z.string(),
  display_name: z.string(),
  auth_method: z.enum(["password", "google"]),
  /** argon2id PHC string; absent for accounts that only sign in with Google. */
  password_hash: z.string().optional(),
  /** The OpenID Connect `sub` of a Google account. */
  google_subject: z.string().optional(),
  role: Role,
}));

export const UserProfileUpdated = defineEvent("UserProfileUpdated", z.object({
  display_name: z.string().optional(),
  marketing_emails: z.boolean().optional(),
}));

export const UserPasswordChanged = defineEvent("UserPasswordChanged", z.object({ password_hash: z.string() }));

/**
 * A password reset was asked for (`POST /v1/auth/forgot-password`) and a single-use token mailed: only its
 * secret's SHA-256 is kept. A newer request replaces an older one, whose token then no longer works.
 */
export const UserPasswordResetRequested = defineEvent("UserPasswordResetRequested", z.object({
  reset_id: z.uuid(),
  secret_hash: z.string(),
  expires_at: z.iso.datetime({ offset: true }),
}));

/**
 * A change of address was asked for (`POST /v1/auth/change-email`): a 6-digit code went to the new address;
 * only its SHA-256 is kept. A newer request replaces an older one.
 */
export const UserEmailChangeRequested = defineEvent("UserEmailChangeRequested", z.object({
  new_email: z.string(),
  code_hash: z.string(),
  expires_at: z.iso.datetime({ offset: true }),
}));

/** A wrong code was presented; after MAX_EMAIL_CODE_FAILURES of them the pending change is dropped. */
export const UserEmailChangeCodeRejected = defineEvent("UserEmailChangeCodeRejected", z.object({}));

/** The code came back: the account's address is now `email` (claimed in its email stream beforehand). */
export const UserEmailChanged = defineEvent("UserEmailChanged", z.object({ email: z.string() }));

/** The mailed token was spent (with a UserPasswordChanged beside it): it never works again. */
export const UserPasswordResetCompleted = defineEvent("UserPasswordResetCompleted", z.object({ reset_id: z.uuid() }));

export const UserMfaSetupStarted = defineEvent("UserMfaSetupStarted", z.object({
  /** The TOTP secret, sealed under the key provider (src/humans/totp-secret.ts). */
  sealed_secret: SealedValueSchema,
}));

export const UserMfaEnabled = defineEvent("UserMfaEnabled", z.object({
  /** SHA-256 (hex) of each one-time recovery code, in the order they were shown. */
  recovery_code_hashes: z.array(z.string()),
  /** The TOTP time step of the code that confirmed the setup (not accepted again). */
  totp_step: z.number().int(),
}));

/** A second factor was spent: a TOTP time step (never accepted twice) or a recovery code (by index). */
export const UserMfaCodeUsed = defineEvent("UserMfaCodeUsed", z.object({
  totp_step: z.number().int().optional(),
  recovery_code_index: z.number().int().nonnegative().optional(),
}));

export const UserMfaDisabled = defineEvent("UserMfaDisabled", z.object({}));

export const UserDeleted = defineEvent("UserDeleted", z.object({ user_id: z.uuid(), org_id: z.uuid() }));

export const userEvents = [
  UserRegistered, UserProfileUpdated, UserPasswordChanged, UserPasswordResetRequested, UserPasswordResetCompleted,
  UserEmailChangeRequested, UserEmailChangeCodeRejected, UserEmailChanged,
  UserMfaSetupStarted, UserMfaEnabled, UserMfaCodeUsed,
  UserMfaDisabled, UserDeleted,
] as const;
export type UserEvent = EventsOf<typeof userEvents>;
export const readUserEvent = eventReader(userEvents);
