/**
 * The device login (RFC 8628) as the 1claw CLI calls it: a code pair for the CLI, its polls, and the
 * signed-in human's side (look up a user code, approve, deny). The CLI's routes are public and under the
 * per-address limit of `POST /v1/auth/*`; the human's side is limited per user too, against guessing codes.
 */
import type { Services } from "../../app/services.js";
import { requireUser } from "../../auth/guards.js";
import { requestMetadata } from "../../auth/metadata.js";
import { decideDeviceLogin, describeDeviceLogin, pollDeviceLogin, requestDeviceLogin } from "../../humans/device-login.js";
import { openRateLimiter, type RateLimiter } from "../../rate-limit/rate-limiter.js";
import { HttpProblem } from "../problems.js";
import { defineRoute, type Route } from "../route.js";
import { TokenResponse } from "../../api/auth.js";
import {
  DeviceCodeRequest, DeviceCodeResponse, DeviceDecisionRequest, DeviceLoginStatusResponse, DeviceTokenRequest,
  DeviceTokenResponse, DeviceUserCodeParams,
} from "../../api/device-login.js";

/** Looking up, approving and denying user codes: 10 at once, then one every 6 seconds, per user. */
const USER_CODE_LIMIT = { burst: 10, perSecond: 1 / 6 };

export function deviceLoginRoutes(services: Services): Route[] {
  const tags = ["Authentication"];
  let limiter: Promise<RateLimiter> | undefined;
  async function limitPerUser(userId: string) {
    limiter ??= openRateLimiter(services.db, USER_CODE_LIMIT, "device_user_code");
    const verdict = await (await limiter).take(userId);
    if (!verdict.allowed) {
      throw new HttpProblem(429, `too many device code attempts; retry in ${verdict.retryAfterSeconds} s`,
        { "Retry-After": String(verdict.retryAfterSeconds) });
    }
  }
  // The dashboard's approval page: the person signs in there (if need be) and approves the code on sight.
  const approvalUri = () => `${services.config.publicUrl ?? ""}/cli/verify`;
  const decisionRoute = (decision: "approve" | "deny") => defineRoute({
    method: "POST", path: `/v1/auth/device/${decision}`,
    summary: decision === "approve" ? "Approve a CLI device login" : "Deny a CLI device login",
    description: "For the signed-in human who sees the user code on the device (`keyledger login` prints it).",
    operationId: decision === "approve" ? "approveDeviceLogin" : "denyDeviceLogin", tags, auth: "required",
    request: { body: DeviceDecisionRequest }, responses: { 200: DeviceLoginStatusResponse },
  }).handle(async ({ body, principal, request }) => {
    const user = requireUser(principal);
    await limitPerUser(user.id);
    await decideDeviceLogin(services, user, body.user_code, decision, requestMetadata(request, user));
    const view = await describeDeviceLogin(services, body.user_code);
    return { status: 200, body: { user_code: view.userCode, client_id: view.clientId, status: view.status,
      expires_at: view.expiresAt.toISOString() } };
  });

  return [
    defineRoute({
      method: "POST", path: "/v1/auth/device/code", summary: "Request a device authorization code",
      description: "Starts a device login: show `user_code` to the person, who approves it while signed in; poll " +
        "`/v1/auth/device/token` with `device_code` every `interval` seconds until `expires_in` runs out.",
      operationId: "requestDeviceCode", tags, auth: "none",
      request: { body: DeviceCodeRequest }, responses: { 200: DeviceCodeResponse },
    }).handle(async ({ body, request }) => {
      const grant = await requestDeviceLogin(services, body.client_id, requestMetadata(request));
      return { status: 200, body: { device_code: grant.deviceCode, user_code: grant.userCode,
        verification_uri: approvalUri(), verification_uri_complete: `${approvalUri()}?code=${encodeURIComponent(grant.userCode)}`,
        expires_in: grant.expiresIn, interval: grant.interval } };
    }),

    defineRoute({
      method: "POST", path: "/v1/auth/device/token", summary: "Poll for device authorization token",
      description: "400 with `error` `authorization_pending` (poll again), `slow_down` (wait 5 s longer), " +
        "`expired_token`, `access_denied` or `invalid_grant` (stop) until the code is approved; then the token, once.",
      operationId: "pollDeviceToken", tags, auth: "none",
      request: { body: DeviceTokenRequest }, responses: { 200: DeviceTokenResponse.extend(TokenResponse.shape) },
    }).handle(async ({ body, request }) => {
      const signedIn = await pollDeviceLogin(services, body.device_code, requestMetadata(request));
      return { status: 200, body: { access_token: signedIn.accessToken, token_type: "Bearer", expires_in: signedIn.expiresIn,
        user_id: signedIn.userId, org_id: signedIn.orgId, email: signedIn.email } };
    }),

    defineRoute({
      method: "GET", path: "/v1/auth/device/code/{user_code}", summary: "Check device code status",
      operationId: "getDeviceCode", tags, auth: "required",
      request: { params: DeviceUserCodeParams }, responses: { 200: DeviceLoginStatusResponse },
    }).handle(async ({ params, principal }) => {
      const user = requireUser(principal);
      await limitPerUser(user.id);
      const view = await describeDeviceLogin(services, params.user_code);
      return { status: 200, body: { user_code: view.userCode, client_id: view.clientId, status: view.status,
        expires_at: view.expiresAt.toISOString() } };
    }),

    decisionRoute("approve"),
    decisionRoute("deny"),
  ];
}
