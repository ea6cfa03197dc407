/**
 * Signing in: email + password, then (when MFA is on) a second step with a TOTP or recovery code. Every
 * success and failure of a known user is an event in their login stream; tokens come from issueAccessToken.
 */
import { randomUUID } from "node:crypto";
import { Unauthenticated } from "../../commands/errors.js";
import { challengeAccepts, loginAggregate, MfaChallengeInvalid, type LoginCommand } from "../../commands/login.js";
import { InvalidMfaCode, userAggregate, type ActiveUser, type MfaProof } from "../../commands/user.js";
import { loadAggregate } from "../app/aggregates.js";
import type { Services } from "../app/services.js";
import { issueAccessToken } from "../auth/issue.js";
import { startRefreshSession } from "../auth/refresh.js";
import type { EventMetadata } from "../eventstore/port.js";
import { claimEmailShares } from "../shares/claim.js";
import { newBearerSecret, parseBearerSecret, recoveryCodeHash } from "./one-time-secrets.js";
import { passwordMatches } from "./passwords.js";
import { findUserByEmail } from "./queries.js";
import { normaliseEmail } from "./streams.js";
import { openTotpSecret } from "./totp-secret.js";
import { matchingTotpStep } from "./totp.js";

export const USER_TOKEN_TTL_SECONDS = 3600;
const MFA_CHALLENGE_TTL_MS = 5 * 60 * 1000;

export type HumanServices = Pick<Services, "bus" | "store" | "db" | "keys" | "tokens" | "clock">;

export type SignedIn = { kind: "token"; accessToken: string; expiresIn: number; refreshToken: string };
export type LoginOutcome = SignedIn | { kind: "mfa_required"; mfaToken: string };

/** A wrong, reused or stale second factor during login (401, where the same error elsewhere is a 400). */
export class MfaCodeRejected extends Unauthenticated {
  constructor() { super("the code is wrong, expired or already used"); this.name = "MfaCodeRejected"; }
}

/** Wrong address or password, or a dead account: the caller is not told which. */
export class InvalidCredentials extends Unauthenticated {
  constructor() { super("invalid email or password"); this.name = "InvalidCredentials"; }
}

async function recordLogin(services: HumanServices, userId: string, command: LoginCommand, metadata: EventMetadata) {
  await services.bus.handle(loginAggregate, userId, command, { metadata });
}

/** Issues the access token of a signed-in user and records the login. */
export async function signedIn(
  services: HumanServices, user: { userId: string; orgId: string }, method: "password" | "google", metadata: EventMetadata,
): Promise<SignedIn> {
  const who = { ...metadata, actor: { type: "user", id: user.userId }, org_id: user.orgId };
  await recordLogin(services, user.userId, { type: "RecordLogin", method }, who);
  await claimEmailShares(services, user.userId, who);
  const issued = await issueAccessToken(services, { type: "user", id: user.userId, orgId: user.orgId },
    { method }, USER_TOKEN_TTL_SECONDS, who);
  const refreshToken = await startRefreshSession(services, user, who);
  return { kind: "token", accessToken: issued.token, expiresIn: issued.expiresIn, refreshToken };
}

export async function passwordLogin(
  services: HumanServices, email: string, password: string, metadata: EventMetadata,
): Promise<LoginOutcome> {
  const record = await findUserByEmail(services.db, normaliseEmail(email));
  const state = record ? await loadAggregate(services.store, userAggregate, record.id) : undefined;
  const user = state?.status === "active" ? state : undefined;
  const matches = await passwordMatches(user?.passwordHash, password);
  if (!user) throw new InvalidCredentials();
  const who = { ...metadata, actor: { type: "user", id: user.userId }, org_id: user.orgId };
  if (!matches) {
    await recordLogin(services, user.userId, { type: "RecordLoginFailure", method: "password", reason: "wrong_password" }, who);
    throw new InvalidCredentials();
  }
  return afterFirstFactor(services, user, "password", metadata);
}

/** Signs the user in, or (with MFA on) answers the challenge for the second factor. */
export async function afterFirstFactor(
  services: HumanServices, user: ActiveUser, method: "password" | "google", metadata: EventMetadata,
): Promise<LoginOutcome> {
  if (!user.mfa.enabled) return signedIn(services, user, method, metadata);
  const who = { ...metadata, actor: { type: "user", id: user.userId }, org_id: user.orgId };
  const challengeId = randomUUID();
  const { token, secretHash } = newBearerSecret(user.userId, challengeId);
  await recordLogin(services, user.userId, { type: "IssueMfaChallenge", challengeId, tokenHash: secretHash,
    expiresAt: new Date(services.clock().getTime() + MFA_CHALLENGE_TTL_MS) }, who);
  return { kind: "mfa_required", mfaToken: token };
}

/** What a presented code proves: the TOTP step it matches, or (any other shape) a recovery code's digest. */
export async function mfaProof(services: Pick<Services, "keys" | "clock">, user: ActiveUser, code: string): Promise<MfaProof> {
  const trimmed = code.trim();
  if (/^\d{6}$/.test(trimmed)) {
    if (!user.mfa.secret) return {};
    const secret = await openTotpSecret(services.keys, user.userId, user.mfa.secret);
    return { totpStep: matchingTotpStep(secret, trimmed, services.clock()) };
  }
  return { recoveryCodeHash: recoveryCodeHash(trimmed) };
}

/** The second step of an MFA login: spends the challenge and the code, then issues the token. */
export async function completeMfaLogin(
  services: HumanServices, mfaToken: string, code: string, metadata: EventMetadata,
): Promise<SignedIn> {
  const parsed = parseBearerSecret(mfaToken, 2);
  if (!parsed) throw new MfaChallengeInvalid();
  const [userId, challengeId] = parsed.ids;
  const login = await loadAggregate(services.store, loginAggregate, userId);
  if (!challengeAccepts(login, challengeId, parsed.secretHash, services.clock())) throw new MfaChallengeInvalid();
  const state = await loadAggregate(services.store, userAggregate, userId);
  if (state.status !== "active") throw new MfaChallengeInvalid();
  const who = { ...metadata, actor: { type: "user", id: userId }, org_id: state.orgId };
  try {
    await services.bus.handle(userAggregate, userId,
      { type: "UseMfaCode", proof: await mfaProof(services, state, code) }, { metadata: who });
  } catch (error) {
    if (!(error instanceof InvalidMfaCode)) throw error;
    await recordLogin(services, userId, { type: "RecordLoginFailure", method: "mfa", reason: "wrong_mfa_code", challengeId }, who);
    throw new MfaCodeRejected();
  }
  await recordLogin(services, userId, { type: "CompleteMfaChallenge", challengeId, presentedTokenHash: parsed.secretHash }, who);
  await claimEmailShares(services, userId, who);
  const issued = await issueAccessToken(services, { type: "user", id: userId, orgId: state.orgId },
    { method: "mfa" }, USER_TOKEN_TTL_SECONDS, who);
  const refreshToken = await startRefreshSession(services, { userId, orgId: state.orgId }, who);
  return { kind: "token", accessToken: issued.token, expiresIn: issued.expiresIn, refreshToken };
}
