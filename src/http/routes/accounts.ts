/**
 * Account recovery and ownership beyond sign-in (1claw's full spec): forgotten passwords, a first password
 * for accounts that have none, and the caller's own data (GDPR export, behind `X-Auth-Confirm`).
 */
import type { Services } from "../../app/services.js";
import { requireUser } from "../../auth/guards.js";
import { requestMetadata } from "../../auth/metadata.js";
import { AUTH_CONFIRM_HEADER, requirePasswordConfirmation } from "../../humans/auth-confirm.js";
import { exportAccountData } from "../../humans/data-export.js";
import { requestEmailChange, verifyEmailChange } from "../../humans/email-change.js";
import { requestPasswordReset, resetPassword, setInitialPassword } from "../../humans/password-reset.js";
import { findUserById } from "../../humans/queries.js";
import { HttpProblem } from "../problems.js";
import { defineRoute, type Route } from "../route.js";
import {
  AccountExportResponse, ChangeEmailRequest, EmailChangeResponse, ForgotPasswordRequest, MessageResponse, ResetPasswordRequest,
  SetPasswordRequest, VerifyEmailChangeRequest,
} from "../../api/auth.js";

/** The same words whether or not the address has an account. */
const RESET_REQUESTED = "If the address belongs to an account, a password reset link is on its way; it works once, for one hour.";

export function accountRoutes(services: Services): Route[] {
  const tags = ["Authentication"];
  return [
    defineRoute({
      method: "POST", path: "/v1/auth/forgot-password", summary: "Request password reset email", tags, auth: "none",
      operationId: "forgotPassword", request: { body: ForgotPasswordRequest }, responses: { 200: MessageResponse },
    }).handle(async ({ body, request }) => {
      await requestPasswordReset(services, body.email, requestMetadata(request));
      return { status: 200, body: { message: RESET_REQUESTED } };
    }),

    defineRoute({
      method: "POST", path: "/v1/auth/reset-password", summary: "Set a new password using reset token from email", tags,
      description: "The token works once and for one hour; the new password revokes every session issued before it.",
      auth: "none", operationId: "resetPassword", request: { body: ResetPasswordRequest }, responses: { 200: MessageResponse },
    }).handle(async ({ body, request }) => {
      await resetPassword(services, body.token, body.newPassword, requestMetadata(request));
      return { status: 200, body: { message: "password reset; sign in with the new password" } };
    }),

    defineRoute({
      method: "POST", path: "/v1/auth/set-password", summary: "Set initial password (accounts that have none)", tags,
      description: "For accounts that signed up with Google: adds a password (409 if the account has one already).",
      auth: "required", operationId: "setPassword", request: { body: SetPasswordRequest }, responses: { 200: MessageResponse },
    }).handle(async ({ body, principal, request }) => {
      const user = requireUser(principal);
      await setInitialPassword(services, user.id, body.newPassword, requestMetadata(request, user));
      return { status: 200, body: { message: "password set" } };
    }),

    defineRoute({
      method: "POST", path: "/v1/auth/change-email", summary: "Request email change", tags,
      description: `Needs the current password (\`password\`, or the ${AUTH_CONFIRM_HEADER} header); a 6-digit code goes to ` +
        "the new address, valid 15 minutes, confirmed at POST /v1/auth/verify-email-change.",
      auth: "required", operationId: "changeEmail", request: { body: ChangeEmailRequest }, responses: { 200: EmailChangeResponse },
    }).handle(async ({ body, principal, request }) => {
      const user = requireUser(principal);
      const password = body.password ?? request.header?.(AUTH_CONFIRM_HEADER) ?? "";
      const email = await requestEmailChange(services, user.id, { newEmail: body.newEmail, password }, requestMetadata(request, user));
      return { status: 200, body: { message: "a 6-digit code was sent to the new address", email } };
    }),

    defineRoute({
      method: "POST", path: "/v1/auth/verify-email-change", summary: "Verify email change with code", tags,
      description: "Moves the account to the new address (409 if another account took it meanwhile). After 5 wrong " +
        "codes the change must be requested again.",
      auth: "required", operationId: "verifyEmailChange", request: { body: VerifyEmailChangeRequest },
      responses: { 200: EmailChangeResponse },
    }).handle(async ({ body, principal, request }) => {
      const user = requireUser(principal);
      const email = await verifyEmailChange(services, user.id, body.code, requestMetadata(request, user));
      return { status: 200, body: { message: "the account's address changed", email } };
    }),

    defineRoute({
      method: "POST", path: "/v1/auth/export-data", summary: "Export user data (GDPR)", tags,
      description: `Humans only; the ${AUTH_CONFIRM_HEADER} header carries the account password. The caller's profile, ` +
        "the vaults and agents they created, their secrets' metadata (never a value) and the policies on those vaults " +
        "or naming the caller.",
      auth: "required", operationId: "exportData", responses: { 200: AccountExportResponse },
    }).handle(async ({ principal, request }) => {
      const user = requireUser(principal);
      await requirePasswordConfirmation(services, user.id, request.header?.(AUTH_CONFIRM_HEADER));
      const profile = await findUserById(services.db, user.id);
      if (!profile?.active) throw new HttpProblem(401, "authentication is required");
      return { status: 200, body: await exportAccountData(services, profile) };
    }),
  ];
}
