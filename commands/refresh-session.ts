/**
 * A refresh session's life: started at sign-in, its token rotated on each use, ended by logout, by a password
 * change or deletion of its user, by its expiry, or by the reuse of a token it already rotated away (someone
 * else holds a copy: neither copy may go on).
 */
import {
  readRefreshSessionEvent, RefreshSessionRevoked, RefreshSessionStarted, RefreshTokenRotated, type RefreshSessionEvent,
} from "../events/refresh-session.js";
import { defineAggregate } from "./aggregate.js";
import type { Decider } from "./decider.js";
import { Conflict, Unauthenticated } from "./errors.js";
import { sameDigest } from "./secret-compare.js";

export type RefreshSessionCommand =
  | { type: "StartRefreshSession"; sessionId: string; userId: string; orgId: string; secretHash: string; expiresAt: Date;
      userRevision: bigint }
  /** `credentialsChanged`: the user changed their password or was deleted since the session started. */
  | { type: "RefreshSession"; secretHash: string; newSecretHash: string; credentialsChanged: boolean }
  | { type: "RevokeRefreshSession"; userId: string; reason: "logout" };

export type RefreshSessionState =
  | { status: "absent" }
  | { status: "active"; userId: string; orgId: string; secretHash: string; spentHashes: string[]; expiresAt: Date;
      userRevision: bigint }
  | { status: "ended" };

/** Unknown, spent, expired or revoked alike: the answer does not say which. */
export class InvalidRefreshToken extends Unauthenticated {
  constructor() { super("the refresh token is invalid, expired or revoked; sign in again"); this.name = "InvalidRefreshToken"; }
}

export class RefreshSessionExists extends Conflict {
  constructor() { super("the refresh session already exists"); this.name = "RefreshSessionExists"; }
}

export const refreshSessionDecider: Decider<RefreshSessionCommand, RefreshSessionState, RefreshSessionEvent> = {
  initialState: { status: "absent" },
  evolve(state, event) {
    switch (event.type) {
      case "RefreshSessionStarted": {
        const d = event.data;
        return { status: "active", userId: d.user_id, orgId: d.org_id, secretHash: d.secret_hash, spentHashes: [],
          expiresAt: new Date(d.expires_at), userRevision: BigInt(d.user_revision) };
      }
      case "RefreshTokenRotated":
        return state.status === "active"
          ? { ...state, secretHash: event.data.secret_hash, spentHashes: [...state.spentHashes, state.secretHash] } : state;
      case "RefreshSessionRevoked": return { status: "ended" };
    }
  },
  decide(command, state, now) {
    switch (command.type) {
      case "StartRefreshSession":
        if (state.status !== "absent") throw new RefreshSessionExists();
        return [RefreshSessionStarted.of({ session_id: command.sessionId, user_id: command.userId, org_id: command.orgId,
          secret_hash: command.secretHash, expires_at: command.expiresAt.toISOString(),
          user_revision: command.userRevision.toString() })];
      case "RefreshSession": {
        if (state.status !== "active") throw new InvalidRefreshToken();
        if (state.spentHashes.some((spent) => sameDigest(spent, command.secretHash))) {
          return [RefreshSessionRevoked.of({ reason: "reuse" })];
        }
        if (!sameDigest(state.secretHash, command.secretHash) || state.expiresAt <= now) throw new InvalidRefreshToken();
        if (command.credentialsChanged) return [RefreshSessionRevoked.of({ reason: "credentials_changed" })];
        return [RefreshTokenRotated.of({ secret_hash: command.newSecretHash })];
      }
      case "RevokeRefreshSession":
        // Idempotent, and only the session's own user ends it (another's token reads as unknown).
        if (state.status === "ended") return [];
        if (state.status !== "active" || state.userId !== command.userId) throw new InvalidRefreshToken();
        return [RefreshSessionRevoked.of({ reason: command.reason })];
    }
  },
};

export const refreshSessionAggregate = defineAggregate("refresh_session", refreshSessionDecider, readRefreshSessionEvent);
