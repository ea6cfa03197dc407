/** The user aggregate: registration, profile, password, TOTP MFA with one-time recovery codes, deletion. */
import type { SealedValue } from "../events/sealed-value.js";
import {
  UserDeleted, UserMfaCodeUsed, UserMfaDisabled, UserMfaEnabled, UserMfaSetupStarted, UserPasswordChanged,
  UserPasswordResetCompleted, UserPasswordResetRequested, UserEmailChangeCodeRejected, UserEmailChangeRequested, UserEmailChanged,
  readUserEvent, UserProfileUpdated, UserRegistered, type UserEvent,
} from "../events/user.js";
import { defineAggregate } from "./aggregate.js";
import type { Decider } from "./decider.js";
import { Conflict, Invalid, NotFound } from "./errors.js";
import { sameDigest } from "./secret-compare.js";

export type Role = "owner" | "admin" | "member";

/** A second factor as presented: the TOTP time step it matched (if any), or the hash of a recovery code. */
export interface MfaProof {
  totpStep?: number;
  recoveryCodeHash?: string;
}

export type UserCommand =
  | { type: "RegisterUser"; userId: string; orgId: string; email: string; displayName: string;
      authMethod: "password" | "google"; passwordHash?: string; googleSubject?: string; role: Role }
  | { type: "UpdateProfile"; displayName?: string; marketingEmails?: boolean }
  | { type: "ChangePassword"; currentPasswordMatches: boolean; newPasswordHash: string }
  /** A first password for an account that has none (signed up with Google). */
  | { type: "SetInitialPassword"; passwordHash: string }
  | { type: "RequestPasswordReset"; resetId: string; secretHash: string; expiresAt: Date }
  | { type: "ResetPassword"; resetId: string; secretHash: string; newPasswordHash: string }
  | { type: "RequestEmailChange"; newEmail: string; codeHash: string; expiresAt: Date; passwordMatches: boolean }
  /** A code that did not match the pending change (counted, see MAX_EMAIL_CODE_FAILURES). */
  | { type: "RejectEmailChangeCode" }
  /** The pending change's code matched; the new address is already claimed for this user. */
  | { type: "CompleteEmailChange"; codeHash: string }
  | { type: "StartMfaSetup"; sealedSecret: SealedValue }
  | { type: "ConfirmMfaSetup"; totpStep?: number; recoveryCodeHashes: string[] }
  | { type: "UseMfaCode"; proof: MfaProof }
  | { type: "DisableMfa"; proof: MfaProof }
  | { type: "DeleteUser" };

export interface ActiveUser {
  status: "active";
  userId: string;
  orgId: string;
  email: string;
  authMethod: "password" | "google";
  passwordHash?: string;
  /** The newest change of address asked for and not yet confirmed. */
  emailChange?: { newEmail: string; codeHash: string; expiresAt: Date; failures: number };
  /** The newest password reset asked for and not yet spent. */
  passwordReset?: { resetId: string; secretHash: string; expiresAt: Date };
  mfa: {
    enabled: boolean;
    pendingSecret?: SealedValue;
    secret?: SealedValue;
    /** The newest TOTP step accepted: a code is good once (RFC 6238 §5.2). */
    lastStep: number;
    recoveryCodeHashes: string[];
    usedRecoveryCodes: number[];
  };
}

export type UserState = { status: "absent" } | ActiveUser | { status: "deleted" };

export class UserNotFound extends NotFound {
  constructor() { super("the user does not exist"); this.name = "UserNotFound"; }
}
export class UserAlreadyExists extends Conflict {
  constructor() { super("the user already exists"); this.name = "UserAlreadyExists"; }
}
export class WrongPassword extends Invalid {
  constructor() { super("the current password is wrong"); this.name = "WrongPassword"; }
}
export class InvalidMfaCode extends Invalid {
  constructor() { super("the code is wrong, expired or already used"); this.name = "InvalidMfaCode"; }
}
export class MfaAlreadyEnabled extends Conflict {
  constructor() { super("MFA is already enabled"); this.name = "MfaAlreadyEnabled"; }
}
export class MfaNotEnabled extends Invalid {
  constructor() { super("MFA is not enabled"); this.name = "MfaNotEnabled"; }
}
export class MfaSetupNotStarted extends Invalid {
  constructor() { super("start MFA setup first (POST /v1/auth/mfa/setup)"); this.name = "MfaSetupNotStarted"; }
}
/** Wrong code, no change pending, or expired alike. */
export class InvalidEmailChangeCode extends Invalid {
  constructor() { super("the code is wrong or expired; ask for a new one with POST /v1/auth/change-email"); this.name = "InvalidEmailChangeCode"; }
}
export class SameEmail extends Invalid {
  constructor() { super("new_email is the account's current address"); this.name = "SameEmail"; }
}
/** Wrong codes a pending change of address survives; then it must be asked for again. */
export const MAX_EMAIL_CODE_FAILURES = 5;

/** Whether `codeHash` confirms the pending change of address at `now` (checked before the new address is claimed). */
export function emailChangeAccepts(state: UserState, codeHash: string, now: Date): boolean {
  return state.status === "active" && !!state.emailChange && state.emailChange.expiresAt > now
    && sameDigest(state.emailChange.codeHash, codeHash);
}

export class PasswordAlreadySet extends Conflict {
  constructor() { super("the account has a password; change it with POST /v1/auth/change-password"); this.name = "PasswordAlreadySet"; }
}
/** Wrong, replaced, spent or expired alike: the answer does not say which. */
export class InvalidResetToken extends Invalid {
  constructor() { super("the reset token is invalid or expired; ask for a new one"); this.name = "InvalidResetToken"; }
}
export class PasswordNotSet extends Invalid {
  constructor() { super("this account signs in with Google and has no password"); this.name = "PasswordNotSet"; }
}

export const initialState: UserState = { status: "absent" };

export function evolve(state: UserState, event: UserEvent): UserState {
  switch (event.type) {
    case "UserRegistered": {
      const d = event.data;
      return { status: "active", userId: d.user_id, orgId: d.org_id, email: d.email, authMethod: d.auth_method,
        passwordHash: d.password_hash, mfa: { enabled: false, lastStep: -1, recoveryCodeHashes: [], usedRecoveryCodes: [] } };
    }
    case "UserProfileUpdated": return state;
    case "UserPasswordChanged":
      return state.status === "active" ? { ...state, passwordHash: event.data.password_hash } : state;
    case "UserPasswordResetRequested":
      return state.status === "active" ? { ...state, passwordReset: { resetId: event.data.reset_id,
        secretHash: event.data.secret_hash, expiresAt: new Date(event.data.expires_at) } } : state;
    case "UserPasswordResetCompleted":
      return state.status === "active" ? { ...state, passwordReset: undefined } : state;
    case "UserEmailChangeRequested":
      return state.status === "active" ? { ...state, emailChange: { newEmail: event.data.new_email,
        codeHash: event.data.code_hash, expiresAt: new Date(event.data.expires_at), failures: 0 } } : state;
    case "UserEmailChangeCodeRejected": {
      if (state.status !== "active" || !state.emailChange) return state;
      const failures = state.emailChange.failures + 1;
      return { ...state, emailChange: failures >= MAX_EMAIL_CODE_FAILURES ? undefined : { ...state.emailChange, failures } };
    }
    case "UserEmailChanged":
      return state.status === "active" ? { ...state, email: event.data.email, emailChange: undefined } : state;
    case "UserMfaSetupStarted":
      return state.status === "active" ? { ...state, mfa: { ...state.mfa, pendingSecret: event.data.sealed_secret } } : state;
    case "UserMfaEnabled":
      return state.status === "active" ? { ...state, mfa: { enabled: true, secret: state.mfa.pendingSecret,
        lastStep: event.data.totp_step, recoveryCodeHashes: event.data.recovery_code_hashes, usedRecoveryCodes: [] } } : state;
    case "UserMfaCodeUsed": {
      if (state.status !== "active") return state;
      const { totp_step, recovery_code_index } = event.data;
      return { ...state, mfa: { ...state.mfa,
        lastStep: totp_step !== undefined ? Math.max(state.mfa.lastStep, totp_step) : state.mfa.lastStep,
        usedRecoveryCodes: recovery_code_index !== undefined
          ? [...state.mfa.usedRecoveryCodes, recovery_code_index] : state.mfa.usedRecoveryCodes } };
    }
    case "UserMfaDisabled":
      return state.status === "active"
        ? { ...state, mfa: { enabled: false, lastStep: state.mfa.lastStep, recoveryCodeHashes: [], usedRecoveryCodes: [] } }
        : state;
    case "UserDeleted": return { status: "deleted" };
  }
}

/** The event that spends a second factor, or InvalidMfaCode. */
function spend(user: ActiveUser, proof: MfaProof) {
  if (proof.totpStep !== undefined && proof.totpStep > user.mfa.lastStep) {
    return UserMfaCodeUsed.of({ totp_step: proof.totpStep });
  }
  if (proof.recoveryCodeHash !== undefined) {
    // Compare against every code so that the time taken does not say which one matched.
    let match = -1;
    user.mfa.recoveryCodeHashes.forEach((hash, index) => {
      if (sameDigest(hash, proof.recoveryCodeHash!) && !user.mfa.usedRecoveryCodes.includes(index)) match = index;
    });
    if (match >= 0) return UserMfaCodeUsed.of({ recovery_code_index: match });
  }
  throw new InvalidMfaCode();
}

export function decide(command: UserCommand, state: UserState, now: Date): UserEvent[] {
  if (command.type === "RegisterUser") {
    if (state.status !== "absent") throw new UserAlreadyExists();
    return [UserRegistered.of({ user_id: command.userId, org_id: command.orgId, email: command.email,
      display_name: command.displayName, auth_method: command.authMethod, role: command.role,
      ...(command.passwordHash !== undefined && { password_hash: command.passwordHash }),
      ...(command.googleSubject !== undefined && { google_subject: command.googleSubject }) })];
  }
  if (state.status !== "active") throw new UserNotFound();
  switch (command.type) {
    case "UpdateProfile": {
      if (command.displayName === undefined && command.marketingEmails === undefined) return [];
      return [UserProfileUpdated.of({
        ...(command.displayName !== undefined && { display_name: command.displayName }),
        ...(command.marketingEmails !== undefined && { marketing_emails: command.marketingEmails }) })];
    }
    case "ChangePassword":
      if (!state.passwordHash) throw new PasswordNotSet();
      if (!command.currentPasswordMatches) throw new WrongPassword();
      return [UserPasswordChanged.of({ password_hash: command.newPasswordHash })];
    case "SetInitialPassword":
      if (state.passwordHash) throw new PasswordAlreadySet();
      return [UserPasswordChanged.of({ password_hash: command.passwordHash })];
    case "RequestPasswordReset":
      return [UserPasswordResetRequested.of({ reset_id: command.resetId, secret_hash: command.secretHash,
        expires_at: command.expiresAt.toISOString() })];
    case "ResetPassword": {
      const pending = state.passwordReset;
      if (!pending || pending.resetId !== command.resetId || !sameDigest(pending.secretHash, command.secretHash)
        || pending.expiresAt <= now) throw new InvalidResetToken();
      return [UserPasswordChanged.of({ password_hash: command.newPasswordHash }),
        UserPasswordResetCompleted.of({ reset_id: pending.resetId })];
    }
    case "RequestEmailChange":
      if (!command.passwordMatches) throw new WrongPassword();
      if (command.newEmail === state.email) throw new SameEmail();
      return [UserEmailChangeRequested.of({ new_email: command.newEmail, code_hash: command.codeHash,
        expires_at: command.expiresAt.toISOString() })];
    case "RejectEmailChangeCode":
      if (!state.emailChange) throw new InvalidEmailChangeCode();
      return [UserEmailChangeCodeRejected.of({})];
    case "CompleteEmailChange":
      if (!emailChangeAccepts(state, command.codeHash, now)) throw new InvalidEmailChangeCode();
      return [UserEmailChanged.of({ email: state.emailChange!.newEmail })];
    case "StartMfaSetup":
      if (state.mfa.enabled) throw new MfaAlreadyEnabled();
      return [UserMfaSetupStarted.of({ sealed_secret: command.sealedSecret })];
    case "ConfirmMfaSetup":
      if (state.mfa.enabled) throw new MfaAlreadyEnabled();
      if (!state.mfa.pendingSecret) throw new MfaSetupNotStarted();
      if (command.totpStep === undefined) throw new InvalidMfaCode();
      return [UserMfaEnabled.of({ recovery_code_hashes: command.recoveryCodeHashes, totp_step: command.totpStep })];
    case "UseMfaCode":
      if (!state.mfa.enabled) throw new MfaNotEnabled();
      return [spend(state, command.proof)];
    case "DisableMfa":
      if (!state.mfa.enabled) throw new MfaNotEnabled();
      return [spend(state, command.proof), UserMfaDisabled.of({})];
    case "DeleteUser":
      return [UserDeleted.of({ user_id: state.userId, org_id: state.orgId })];
  }
}

export const userDecider: Decider<UserCommand, UserState, UserEvent> = { initialState, evolve, decide };

export const userAggregate = defineAggregate("user", userDecider, readUserEvent);
