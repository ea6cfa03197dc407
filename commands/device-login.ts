/**
 * A device login (RFC 8628) under one user code: requested, polled, approved or denied by a signed-in
 * human, and completed once by the poll that turns the approval into a token. A user code is free again
 * only when its last grant has ended (completed, denied or expired). Polls are decisions too: a poll sooner
 * than the interval is a `slow_down`, and the interval grows by five seconds, as the RFC asks.
 */
import { defineAggregate } from "./aggregate.js";
import { Conflict, Invalid, NotFound } from "./errors.js";
import { sameDigest } from "./secret-compare.js";
import type { Decider } from "./decider.js";
import {
  DeviceLoginApproved, DeviceLoginCompleted, DeviceLoginDenied, DeviceLoginPolled, DeviceLoginRequested,
  readDeviceLoginEvent, type DeviceLoginEvent,
} from "../events/device-login.js";

export const SLOW_DOWN_STEP_SECONDS = 5;

export type DeviceLoginCommand =
  | { type: "RequestDeviceLogin"; grantId: string; clientId: string; deviceSecretHash: string; expiresAt: Date; intervalSeconds: number }
  | { type: "PollDeviceLogin"; grantId: string; presentedSecretHash: string }
  | { type: "ApproveDeviceLogin"; userId: string; orgId: string }
  | { type: "DenyDeviceLogin"; userId: string };

export interface DeviceGrant {
  grantId: string;
  clientId: string;
  deviceSecretHash: string;
  expiresAt: Date;
  intervalSeconds: number;
  lastPolledAt?: Date;
  status: "pending" | "approved" | "denied" | "completed";
  /** Who approved or denied it. */
  userId?: string;
  orgId?: string;
}

export interface DeviceLoginState {
  /** The newest grant under this user code. */
  grant?: DeviceGrant;
}

/** The user code names no grant that can still be approved (none, or it expired). */
export class UserCodeNotFound extends NotFound {
  constructor() { super("no pending device login has this code; it may have expired"); this.name = "UserCodeNotFound"; }
}

/** The grant was already approved, denied or used. */
export class DeviceLoginNotPending extends Conflict {
  constructor(status: string) { super(`this device login was already ${status}`); this.name = "DeviceLoginNotPending"; }
}

/** A fresh user code collided with a live grant: the caller draws another code. */
export class UserCodeInUse extends Conflict {
  constructor() { super("the user code is in use"); this.name = "UserCodeInUse"; }
}

/** RFC 8628 token-endpoint errors (400), each named by the OAuth `error` code its clients read. */
export abstract class DeviceTokenError extends Invalid {
  abstract readonly oauthError: "authorization_pending" | "slow_down" | "expired_token" | "access_denied" | "invalid_grant";
}
export class AuthorizationPending extends DeviceTokenError {
  readonly oauthError = "authorization_pending";
  constructor() { super("the user has not yet approved this device; poll again after the interval"); this.name = "AuthorizationPending"; }
}
export class SlowDown extends DeviceTokenError {
  readonly oauthError = "slow_down";
  constructor(readonly intervalSeconds: number) {
    super(`polling too fast; wait ${intervalSeconds} seconds between polls`);
    this.name = "SlowDown";
  }
}
export class DeviceCodeExpired extends DeviceTokenError {
  readonly oauthError = "expired_token";
  constructor() { super("the device code has expired; start the login again"); this.name = "DeviceCodeExpired"; }
}
export class DeviceAccessDenied extends DeviceTokenError {
  readonly oauthError = "access_denied";
  constructor() { super("the user denied this device login"); this.name = "DeviceAccessDenied"; }
}
export class DeviceCodeInvalid extends DeviceTokenError {
  readonly oauthError = "invalid_grant";
  constructor() { super("the device code is invalid or was already used"); this.name = "DeviceCodeInvalid"; }
}

const live = (grant: DeviceGrant | undefined, now: Date): grant is DeviceGrant =>
  !!grant && grant.expiresAt > now && (grant.status === "pending" || grant.status === "approved");

function pendingGrant(state: DeviceLoginState, now: Date): DeviceGrant {
  const { grant } = state;
  if (!grant || grant.expiresAt <= now) throw new UserCodeNotFound();
  if (grant.status !== "pending") throw new DeviceLoginNotPending(grant.status);
  return grant;
}

export const deviceLoginDecider: Decider<DeviceLoginCommand, DeviceLoginState, DeviceLoginEvent> = {
  initialState: {},
  evolve(state, event) {
    if (event.type === "DeviceLoginRequested") {
      const d = event.data;
      return { grant: { grantId: d.grant_id, clientId: d.client_id, deviceSecretHash: d.device_secret_hash,
        expiresAt: new Date(d.expires_at), intervalSeconds: d.interval_seconds, status: "pending" } };
    }
    const grant = state.grant;
    if (!grant || event.data.grant_id !== grant.grantId) return state;
    switch (event.type) {
      case "DeviceLoginPolled":
        return { grant: { ...grant, lastPolledAt: new Date(event.data.polled_at), intervalSeconds: event.data.interval_seconds } };
      case "DeviceLoginApproved":
        return { grant: { ...grant, status: "approved", userId: event.data.user_id, orgId: event.data.org_id } };
      case "DeviceLoginDenied":
        return { grant: { ...grant, status: "denied", userId: event.data.user_id } };
      case "DeviceLoginCompleted":
        return { grant: { ...grant, status: "completed" } };
    }
  },
  decide(command, state, now) {
    switch (command.type) {
      case "RequestDeviceLogin":
        if (live(state.grant, now)) throw new UserCodeInUse();
        return [DeviceLoginRequested.of({ grant_id: command.grantId, client_id: command.clientId,
          device_secret_hash: command.deviceSecretHash, expires_at: command.expiresAt.toISOString(),
          interval_seconds: command.intervalSeconds })];
      case "PollDeviceLogin": {
        const grant = state.grant;
        if (!grant || grant.grantId !== command.grantId || !sameDigest(grant.deviceSecretHash, command.presentedSecretHash)) {
          throw new DeviceCodeInvalid();
        }
        if (grant.status === "completed") throw new DeviceCodeInvalid();
        if (grant.expiresAt <= now) throw new DeviceCodeExpired();
        if (grant.status === "denied") throw new DeviceAccessDenied();
        if (grant.status === "approved") {
          return [DeviceLoginCompleted.of({ grant_id: grant.grantId, user_id: grant.userId!, org_id: grant.orgId! })];
        }
        const tooSoon = grant.lastPolledAt && now.getTime() - grant.lastPolledAt.getTime() < grant.intervalSeconds * 1000;
        return [DeviceLoginPolled.of({ grant_id: grant.grantId, outcome: tooSoon ? "slow_down" : "authorization_pending",
          interval_seconds: grant.intervalSeconds + (tooSoon ? SLOW_DOWN_STEP_SECONDS : 0), polled_at: now.toISOString() })];
      }
      case "ApproveDeviceLogin": {
        const grant = pendingGrant(state, now);
        return [DeviceLoginApproved.of({ grant_id: grant.grantId, user_id: command.userId, org_id: command.orgId })];
      }
      case "DenyDeviceLogin": {
        const grant = pendingGrant(state, now);
        return [DeviceLoginDenied.of({ grant_id: grant.grantId, user_id: command.userId })];
      }
    }
  },
};

/** Streams are `device_login-<UUID-shaped digest of the user code>` (see src/humans/device-login.ts). */
export const deviceLoginAggregate = defineAggregate("device_login", deviceLoginDecider, readDeviceLoginEvent);
