/**
 * Refresh sessions: a signed-in human's long-lived right to new access tokens (`POST /v1/auth/refresh`), one
 * stream per session (`refresh_session-<id>`). The refresh token is rotated on every use; only the SHA-256 of
 * its secret is recorded. Presenting a token that was already rotated away ends the session (reuse detection).
 */
import { z } from "zod";
import { defineEvent, eventReader, type EventsOf } from "./define.js";

export const RefreshSessionStarted = defineEvent("RefreshSessionStarted", z.object({
  session_id: z.uuid(),
  user_id: z.uuid(),
  org_id: z.uuid(),
  secret_hash: z.string(),
  /** The session ends then, however often its token is rotated. */
  expires_at: z.iso.datetime({ offset: true }),
  /** The user stream's revision at sign-in: a password change or deletion after it ends the session. */
  user_revision: z.string().regex(/^-?\d+$/),
}));

export const RefreshTokenRotated = defineEvent("RefreshTokenRotated", z.object({ secret_hash: z.string() }));

export const RefreshSessionRevoked = defineEvent("RefreshSessionRevoked", z.object({
  reason: z.enum(["reuse", "logout", "credentials_changed"]),
}));

export const refreshSessionEvents = [RefreshSessionStarted, RefreshTokenRotated, RefreshSessionRevoked] as const;
export type RefreshSessionEvent = EventsOf<typeof refreshSessionEvents>;
export const readRefreshSessionEvent = eventReader(refreshSessionEvents);
