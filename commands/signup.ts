/** A pending signup: requested with a mailed token, verified once with that token before it expires. */
import { readSignupEvent, SignupRequested, SignupVerified, type SignupEvent } from "../events/signup.js";
import { defineAggregate } from "./aggregate.js";
import type { Decider } from "./decider.js";
import { Invalid } from "./errors.js";
import { sameDigest } from "./secret-compare.js";

export type SignupCommand =
  | { type: "RequestSignup"; signupId: string; email: string; displayName: string; passwordHash: string;
      tokenHash: string; expiresAt: Date }
  | { type: "VerifySignup"; presentedTokenHash: string; userId: string };

export type SignupState =
  | { status: "absent" }
  | { status: "pending"; email: string; displayName: string; passwordHash: string; tokenHash: string; expiresAt: Date }
  | { status: "verified" };

/** Unknown, wrong, used or expired: the caller is told no more than that. */
export class VerificationTokenInvalid extends Invalid {
  constructor() { super("the verification token is invalid or has expired"); this.name = "VerificationTokenInvalid"; }
}

export const initialState: SignupState = { status: "absent" };

export function evolve(_state: SignupState, event: SignupEvent): SignupState {
  switch (event.type) {
    case "SignupRequested": {
      const d = event.data;
      return { status: "pending", email: d.email, displayName: d.display_name, passwordHash: d.password_hash,
        tokenHash: d.token_hash, expiresAt: new Date(d.expires_at) };
    }
    case "SignupVerified": return { status: "verified" };
  }
}

export function decide(command: SignupCommand, state: SignupState, now: Date): SignupEvent[] {
  switch (command.type) {
    case "RequestSignup":
      if (state.status !== "absent") throw new Error(`signup ${command.signupId} exists already`);
      return [SignupRequested.of({ signup_id: command.signupId, email: command.email, display_name: command.displayName,
        password_hash: command.passwordHash, token_hash: command.tokenHash, expires_at: command.expiresAt.toISOString() })];
    case "VerifySignup":
      if (state.status !== "pending" || state.expiresAt <= now || !sameDigest(state.tokenHash, command.presentedTokenHash)) {
        throw new VerificationTokenInvalid();
      }
      return [SignupVerified.of({ user_id: command.userId })];
  }
}

export const signupDecider: Decider<SignupCommand, SignupState, SignupEvent> = { initialState, evolve, decide };

export const signupAggregate = defineAggregate("signup", signupDecider, readSignupEvent);
