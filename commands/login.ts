/**
 * A user's sign-in attempts. Only the newest MFA challenge counts (a new password login supersedes the
 * previous one); it is spent by one successful second factor and dies after a few wrong codes.
 */
import { LoginFailed, LoginSucceeded, MfaChallengeIssued, readLoginEvent, type LoginEvent } from "../events/login.js";
import { defineAggregate } from "./aggregate.js";
import type { Decider } from "./decider.js";
import { Unauthenticated } from "./errors.js";
import { sameDigest } from "./secret-compare.js";

export const MAX_MFA_FAILURES = 5;

type Method = "password" | "mfa" | "google";

export type LoginCommand =
  | { type: "RecordLogin"; method: Method }
  | { type: "RecordLoginFailure"; method: Method; reason: "wrong_password" | "wrong_mfa_code"; challengeId?: string }
  | { type: "IssueMfaChallenge"; challengeId: string; tokenHash: string; expiresAt: Date }
  | { type: "CompleteMfaChallenge"; challengeId: string; presentedTokenHash: string };

export interface Challenge {
  id: string;
  tokenHash: string;
  expiresAt: Date;
  failures: number;
  spent: boolean;
}

export interface LoginState {
  challenge?: Challenge;
}

export class MfaChallengeInvalid extends Unauthenticated {
  constructor() { super("the MFA token is invalid or has expired; sign in again"); this.name = "MfaChallengeInvalid"; }
}

export const initialState: LoginState = {};

export function evolve(state: LoginState, event: LoginEvent): LoginState {
  switch (event.type) {
    case "MfaChallengeIssued":
      return { challenge: { id: event.data.challenge_id, tokenHash: event.data.token_hash,
        expiresAt: new Date(event.data.expires_at), failures: 0, spent: false } };
    case "LoginFailed":
      return state.challenge && event.data.challenge_id === state.challenge.id
        ? { challenge: { ...state.challenge, failures: state.challenge.failures + 1 } } : state;
    case "LoginSucceeded":
      return state.challenge && event.data.challenge_id === state.challenge.id
        ? { challenge: { ...state.challenge, spent: true } } : state;
  }
}

/** Whether a presented mfa_token names the live challenge; pure, also used before spending a code. */
export function challengeAccepts(state: LoginState, challengeId: string, presentedTokenHash: string, now: Date): boolean {
  const c = state.challenge;
  return !!c && c.id === challengeId && !c.spent && c.failures < MAX_MFA_FAILURES && c.expiresAt > now
    && sameDigest(c.tokenHash, presentedTokenHash);
}

export function decide(command: LoginCommand, state: LoginState, now: Date): LoginEvent[] {
  switch (command.type) {
    case "RecordLogin":
      return [LoginSucceeded.of({ method: command.method })];
    case "RecordLoginFailure":
      return [LoginFailed.of({ method: command.method, reason: command.reason,
        ...(command.challengeId !== undefined && { challenge_id: command.challengeId }) })];
    case "IssueMfaChallenge":
      return [MfaChallengeIssued.of({ challenge_id: command.challengeId, token_hash: command.tokenHash,
        expires_at: command.expiresAt.toISOString() })];
    case "CompleteMfaChallenge":
      if (!challengeAccepts(state, command.challengeId, command.presentedTokenHash, now)) throw new MfaChallengeInvalid();
      return [LoginSucceeded.of({ method: "mfa", challenge_id: command.challengeId })];
  }
}

export const loginDecider: Decider<LoginCommand, LoginState, LoginEvent> = { initialState, evolve, decide };

export const loginAggregate = defineAggregate("login", loginDecider, readLoginEvent);
