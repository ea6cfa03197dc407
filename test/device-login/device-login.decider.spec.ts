import {
  DeviceAccessDenied, DeviceCodeExpired, DeviceCodeInvalid, deviceLoginDecider, DeviceLoginNotPending, UserCodeInUse,
  UserCodeNotFound,
} from "../../commands/device-login.js";
import {
  DeviceLoginApproved, DeviceLoginCompleted, DeviceLoginDenied, DeviceLoginPolled, DeviceLoginRequested,
} from "../../events/device-login.js";
import { specFor } from "../support/decider.js";

const grantId = "0b8d3c2e-6f0a-4a51-9c43-1d2e3f405162";
const userId = "5a0c5d64-9a43-4a3b-8d7e-0f1e2d3c4b5a";
const orgId = "7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2918";
const hash = "ab".repeat(32);
const start = new Date("2026-01-01T00:00:00Z");
const at = (seconds: number) => () => new Date(start.getTime() + seconds * 1000);

const requested = DeviceLoginRequested.of({ grant_id: grantId, client_id: "cli", device_secret_hash: hash,
  expires_at: "2026-01-01T00:10:00.000Z", interval_seconds: 5 });
const polledAt = (seconds: number, interval = 5) => DeviceLoginPolled.of({ grant_id: grantId, outcome: "authorization_pending",
  interval_seconds: interval, polled_at: at(seconds)().toISOString() });
const approved = DeviceLoginApproved.of({ grant_id: grantId, user_id: userId, org_id: orgId });
const denied = DeviceLoginDenied.of({ grant_id: grantId, user_id: userId });
const completed = DeviceLoginCompleted.of({ grant_id: grantId, user_id: userId, org_id: orgId });
const poll = { type: "PollDeviceLogin" as const, grantId, presentedSecretHash: hash };

describe("device login decider", () => {
  it("answers authorization_pending to a poll before the approval", () =>
    specFor(deviceLoginDecider, at(1)).given(requested).when(poll).then(DeviceLoginPolled.of({ grant_id: grantId,
      outcome: "authorization_pending", interval_seconds: 5, polled_at: at(1)().toISOString() })));

  it("answers slow_down to a poll sooner than the interval, and adds five seconds to it", () =>
    specFor(deviceLoginDecider, at(3)).given(requested, polledAt(1)).when(poll).then(DeviceLoginPolled.of({
      grant_id: grantId, outcome: "slow_down", interval_seconds: 10, polled_at: at(3)().toISOString() })));

  it("keeps the longer interval after a slow_down", () =>
    specFor(deviceLoginDecider, at(9)).given(requested, polledAt(1, 10)).when(poll).then(DeviceLoginPolled.of({
      grant_id: grantId, outcome: "slow_down", interval_seconds: 15, polled_at: at(9)().toISOString() })));

  it("completes an approved grant on the next poll, once", () => {
    specFor(deviceLoginDecider, at(20)).given(requested, approved).when(poll).then(completed);
    specFor(deviceLoginDecider, at(25)).given(requested, approved, completed).when(poll).thenThrows(DeviceCodeInvalid);
  });

  it("refuses a poll with the wrong secret or for another grant", () => {
    specFor(deviceLoginDecider, at(20)).given(requested, approved).when({ ...poll, presentedSecretHash: "cd".repeat(32) })
      .thenThrows(DeviceCodeInvalid);
    specFor(deviceLoginDecider, at(20)).given(requested, approved).when({ ...poll, grantId: userId }).thenThrows(DeviceCodeInvalid);
  });

  it("answers access_denied after a denial and expired_token after the lifetime", () => {
    specFor(deviceLoginDecider, at(20)).given(requested, denied).when(poll).thenThrows(DeviceAccessDenied);
    specFor(deviceLoginDecider, at(600)).given(requested).when(poll).thenThrows(DeviceCodeExpired);
    specFor(deviceLoginDecider, at(601)).given(requested, approved).when(poll).thenThrows(DeviceCodeExpired);
  });

  it("lets a human approve or deny a pending code once, and not an expired one", () => {
    const approve = { type: "ApproveDeviceLogin" as const, userId, orgId };
    specFor(deviceLoginDecider, at(30)).given(requested).when(approve).then(approved);
    specFor(deviceLoginDecider, at(30)).given(requested, approved).when(approve).thenThrows(DeviceLoginNotPending);
    specFor(deviceLoginDecider, at(30)).given(requested, denied).when({ type: "DenyDeviceLogin", userId }).thenThrows(DeviceLoginNotPending);
    specFor(deviceLoginDecider, at(600)).given(requested).when(approve).thenThrows(UserCodeNotFound);
    specFor(deviceLoginDecider, at(1)).given().when(approve).thenThrows(UserCodeNotFound);
  });

  it("reuses a user code only after its last grant ended", () => {
    const request = { type: "RequestDeviceLogin" as const, grantId: userId, clientId: "cli", deviceSecretHash: hash,
      expiresAt: new Date("2026-01-01T00:30:00Z"), intervalSeconds: 5 };
    const again = DeviceLoginRequested.of({ grant_id: userId, client_id: "cli", device_secret_hash: hash,
      expires_at: "2026-01-01T00:30:00.000Z", interval_seconds: 5 });
    specFor(deviceLoginDecider, at(30)).given(requested).when(request).thenThrows(UserCodeInUse);
    specFor(deviceLoginDecider, at(30)).given(requested, approved).when(request).thenThrows(UserCodeInUse);
    specFor(deviceLoginDecider, at(30)).given(requested, approved, completed).when(request).then(again);
    specFor(deviceLoginDecider, at(600)).given(requested).when(request).then(again);
  });
});
