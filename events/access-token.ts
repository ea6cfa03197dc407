/**
 * Access tokens (our JWTs): one stream per token (`access_token-<jti>`), so issuance, a high-volume fact,
 * never lengthens another aggregate's stream. The token itself is never recorded: only its id, subject and
 * expiry, which is all revocation needs.
 */
import { z } from "zod";
import { defineEvent, eventReader, type EventsOf } from "./define.js";

const subject = {
  token_id: z.uuid(),
  subject_type: z.enum(["user", "agent"]),
  subject_id: z.uuid(),
  org_id: z.uuid(),
  expires_at: z.iso.datetime(),
};

export const AccessTokenIssued = defineEvent("AccessTokenIssued", z.object({
  ...subject,
  /** How the subject proved itself: "password", "api_key", "agent_key", "mfa", "google", ... */
  method: z.string().optional(),
}));

export const AccessTokenRevoked = defineEvent("AccessTokenRevoked", z.object({
  ...subject,
  revoked_at: z.iso.datetime(),
}));

export const accessTokenEvents = [AccessTokenIssued, AccessTokenRevoked] as const;
export type AccessTokenEvent = EventsOf<typeof accessTokenEvents>;
export const readAccessTokenEvent = eventReader(accessTokenEvents);
