/**
 * Refresh tokens for humans (`POST /v1/auth/refresh`): handed out at sign-in beside the access token,
 * `<session id>.<secret>`, rotated on every use (the old one stops working; presenting it again ends the
 * session), ended by logout with the token, by a password change or deletion of the user, and after
 * REFRESH_SESSION_TTL_MS whatever the rotations. Only the secret's digest is recorded.
 */
import { randomUUID } from "node:crypto";
import { InvalidRefreshToken, refreshSessionAggregate } from "../../commands/refresh-session.js";
import { userAggregate } from "../../commands/user.js";
import { foldRecorded } from "../../commands/aggregate.js";
import type { Services } from "../app/services.js";
import type { EventMetadata } from "../eventstore/port.js";
import { newBearerSecret, parseBearerSecret } from "../humans/one-time-secrets.js";
import { issueAccessToken, USER_TOKEN_TTL_SECONDS } from "./issue.js";
import type { UserPrincipal } from "./principal.js";

export const REFRESH_SESSION_TTL_MS = 30 * 24 * 3600 * 1000;

type RefreshServices = Pick<Services, "bus" | "store" | "tokens" | "clock">;

/** Events of the user stream that end every refresh session started before them. */
const CREDENTIAL_CHANGES = new Set(["UserPasswordChanged", "UserDeleted"]);

async function userStream(services: Pick<Services, "store">, userId: string) {
  return services.store.readStream(userAggregate.stream(userId));
}

/** Starts a session for a user who just signed in; answers its first refresh token. */
export async function startRefreshSession(
  services: RefreshServices, user: { userId: string; orgId: string }, metadata: EventMetadata,
): Promise<string> {
  const history = await userStream(services, user.userId);
  const sessionId = randomUUID();
  const { token, secretHash } = newBearerSecret(sessionId);
  await services.bus.handle(refreshSessionAggregate, sessionId, {
    type: "StartRefreshSession", sessionId, userId: user.userId, orgId: user.orgId, secretHash,
    expiresAt: new Date(services.clock().getTime() + REFRESH_SESSION_TTL_MS),
    userRevision: history.at(-1)?.revision ?? -1n,
  }, { metadata, readYourWrites: false });
  return token;
}

export interface Refreshed {
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
}

export async function refreshAccessToken(services: RefreshServices, token: string, metadata: EventMetadata): Promise<Refreshed> {
  const parsed = parseBearerSecret(token.trim(), 1);
  if (!parsed) throw new InvalidRefreshToken();
  const [sessionId] = parsed.ids;
  const next = newBearerSecret(sessionId);
  const result = await services.bus.handle(refreshSessionAggregate, sessionId, async (state) => {
    if (state.status !== "active") throw new InvalidRefreshToken();
    const history = await userStream(services, state.userId);
    const credentialsChanged = foldRecorded(userAggregate, history).status !== "active"
      || history.some((event) => event.revision > state.userRevision && CREDENTIAL_CHANGES.has(event.type));
    return { type: "RefreshSession" as const, secretHash: parsed.secretHash, newSecretHash: next.secretHash, credentialsChanged };
  }, { metadata, readYourWrites: false });
  // A reused or outdated token ended the session: recorded, and refused.
  if (result.state.status !== "active") throw new InvalidRefreshToken();
  const { userId, orgId } = result.state;
  const who = { ...metadata, actor: { type: "user", id: userId }, org_id: orgId };
  const issued = await issueAccessToken(services, { type: "user", id: userId, orgId }, { method: "refresh" },
    USER_TOKEN_TTL_SECONDS, who);
  return { accessToken: issued.token, expiresIn: issued.expiresIn, refreshToken: next.token };
}

/** Ends the session of a refresh token the signed-in user presents (logout); idempotent. */
export async function revokeRefreshSession(
  services: Pick<Services, "bus">, user: UserPrincipal, token: string, metadata: EventMetadata,
): Promise<void> {
  const parsed = parseBearerSecret(token.trim(), 1);
  if (!parsed) throw new InvalidRefreshToken();
  await services.bus.handle(refreshSessionAggregate, parsed.ids[0], { type: "RevokeRefreshSession", userId: user.id, reason: "logout" },
    { metadata });
}
