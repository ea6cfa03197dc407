/**
 * Sign-in attempts of one user, in their own stream (high volume, kept off the user aggregate): successes,
 * failures, and MFA challenges (the mfa_token's hash, never the token).
 */
import { z } from "zod";
import { defineEvent, eventReader, type EventsOf } from "./define.js";

const Method = z.enum(["password", "mfa", "google"]);

/** The access token itself is recorded by AccessTokenIssued; an MFA login names the challenge it spent. */
export const LoginSucceeded = defineEvent("LoginSucceeded", z.object({ method: Method, challenge_id: z.uuid().optional() }));
export const LoginFailed = defineEvent("LoginFailed", z.object({
  method: Method,
  reason: z.enum(["wrong_password", "wrong_mfa_code"]),
  challenge_id: z.uuid().optional(),
}));
export const MfaChallengeIssued = defineEvent("MfaChallengeIssued", z.object({
  challenge_id: z.uuid(),
  token_hash: z.string(),
  expires_at: z.iso.datetime(),
}));

export const loginEvents = [LoginSucceeded, LoginFailed, MfaChallengeIssued] as const;
export type LoginEvent = EventsOf<typeof loginEvents>;
export const readLoginEvent = eventReader(loginEvents);
