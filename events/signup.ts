/** A pending signup: the account exists only once its email address is verified. */
import { z } from "zod";
import { defineEvent, eventReader, type EventsOf } from "./define.js";

export const SignupRequested = defineEvent("SignupRequested", z.object({
  signup_id: z.uuid(),
  email: z.string(),
  display_name: z.string(),
  password_hash: z.string(),
  /** SHA-256 (hex) of the secret part of the verification token mailed to the address. */
  token_hash: z.string(),
  expires_at: z.iso.datetime(),
}));

export const SignupVerified = defineEvent("SignupVerified", z.object({ user_id: z.uuid() }));

export const signupEvents = [SignupRequested, SignupVerified] as const;
export type SignupEvent = EventsOf<typeof signupEvents>;
export const readSignupEvent = eventReader(signupEvents);
