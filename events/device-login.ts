/**
 * Device authorisation (RFC 8628): a CLI on a machine without a browser asks for a code pair, a signed-in
 * human approves or denies the short user code, and the CLI's polls with the device code end in a token.
 * One stream per user code (`device_login-<digest of the code>`), so finding a grant by the code a person
 * types needs no read model; a code is only reused once its previous grant has ended. Neither code is
 * recorded: the device code's secret only as a SHA-256 digest, the user code only as the stream's digest.
 */
import { z } from "zod";
import { defineEvent, eventReader, type EventsOf } from "./define.js";

export const DeviceLoginRequested = defineEvent("DeviceLoginRequested", z.object({
  grant_id: z.uuid(),
  client_id: z.string().max(200),
  device_secret_hash: z.string(),
  expires_at: z.iso.datetime(),
  interval_seconds: z.number().int().positive(),
}));

/** A poll that found the grant still waiting; `slow_down` when it came sooner than the interval allows. */
export const DeviceLoginPolled = defineEvent("DeviceLoginPolled", z.object({
  grant_id: z.uuid(),
  outcome: z.enum(["authorization_pending", "slow_down"]),
  /** The interval from now on (RFC 8628: five seconds more after each slow_down). */
  interval_seconds: z.number().int().positive(),
  polled_at: z.iso.datetime(),
}));

export const DeviceLoginApproved = defineEvent("DeviceLoginApproved", z.object({
  grant_id: z.uuid(),
  user_id: z.uuid(),
  org_id: z.uuid(),
}));

export const DeviceLoginDenied = defineEvent("DeviceLoginDenied", z.object({
  grant_id: z.uuid(),
  user_id: z.uuid(),
}));

/** The approved grant was exchanged for an access token (recorded by AccessTokenIssued): the device code is spent. */
export const DeviceLoginCompleted = defineEvent("DeviceLoginCompleted", z.object({
  grant_id: z.uuid(),
  user_id: z.uuid(),
  org_id: z.uuid(),
}));

export const deviceLoginEvents = [
  DeviceLoginRequested, DeviceLoginPolled, DeviceLoginApproved, DeviceLoginDenied, DeviceLoginCompleted,
] as const;
export type DeviceLoginEvent = EventsOf<typeof deviceLoginEvents>;
export const readDeviceLoginEvent = eventReader(deviceLoginEvents);
