/**
 * Human accounts over HTTP, as in the 1claw reference: signup and email verification, password login with
 * TOTP MFA, the caller's own profile, password and account, and MFA enrolment.
 */
import { z } from "zod";
import type { Services } from "../../app/services.js";
import { requestMetadata } from "../../auth/metadata.js";
import { requireUser } from "../../auth/guards.js";
import { completeMfaLogin, passwordLogin, signedIn, type SignedIn } from "../../humans/login.js";
import { confirmMfaSetup, disableMfa, startMfaSetup } from "../../humans/mfa.js";
import { changePassword, deleteAccount, DELETE_CONFIRMATION, updateProfile } from "../../humans/profile.js";
import { findUserById, type UserProfile } from "../../humans/queries.js";
import { requestSignup, verifySignup } from "../../humans/signup.js";
import { acceptInvitation } from "../../humans/invitations.js";
import { googleSignIn, googleVerifier } from "../../humans/google.js";
import { AUTH_CONFIRM_HEADER, requirePasswordConfirmation } from "../../humans/auth-confirm.js";
import { HttpProblem } from "../problems.js";
import { defineRoute, type Route } from "../route.js";
import {
  AcceptInviteRequest,
  ChangePasswordRequest, DeleteAccountRequest, GoogleLoginRequest, LoginRequest, LoginResponse, MfaCodeRequest,
  MfaRecoveryCodesResponse, MfaSetupResponse, MfaStatusResponse, MfaVerifyRequest, SignupRequest, SignupResponse,
  TokenResponse, UpdateProfileRequest, UserProfileResponse, VerifyEmailRequest,
} from "../../api/auth.js";

export function toProfileResponse(user: UserProfile): z.input<typeof UserProfileResponse> {
  return {
    id: user.id, org_id: user.orgId, email: user.email, display_name: user.displayName, auth_method: user.authMethod,
    role: user.role, email_verified: true, marketing_emails: user.marketingEmails, totp_enabled: user.totpEnabled,
    created_at: user.createdAt.toISOString(),
  };
}

function tokenBody(outcome: SignedIn) {
  return { access_token: outcome.accessToken, token_type: "Bearer" as const, expires_in: outcome.expiresIn,
    refresh_token: outcome.refreshToken };
}

export function humanRoutes(services: Services): Route[] {
  const tags = ["Authentication"];
  const verifyGoogleToken = googleVerifier(services.config.google);
  return [
    defineRoute({
      method: "POST", path: "/v1/auth/signup", summary: "Create a new account (a verification email is sent)", tags,
      auth: "none",
      request: { body: SignupRequest },
      responses: { 200: SignupResponse },
    }).handle(async ({ body, request }) => {
      await requestSignup(services, { email: body.email, password: body.password, displayName: body.display_name },
        requestMetadata(request));
      return { status: 200, body: { message: "check your email to verify your address", email: body.email.toLowerCase() } };
    }),

    defineRoute({
      method: "POST", path: "/v1/auth/verify-email", summary: "Verify the address: creates the user and their organisation",
      tags, auth: "none",
      request: { body: VerifyEmailRequest },
      responses: { 200: TokenResponse },
    }).handle(async ({ body, request }) => {
      const metadata = requestMetadata(request);
      const user = await verifySignup(services, body.token, metadata);
      return { status: 200, body: tokenBody(await signedIn(services, user, "password", metadata)) };
    }),

    defineRoute({
      method: "POST", path: "/v1/auth/accept-invite", summary: "Sign up from an invitation: joins the inviting organisation",
      tags, auth: "none",
      description: "The mailed invitation token and a password create the invited address's account in the inviting " +
        "organisation with the invited role, and sign in. 409 when the address already has an account.",
      request: { body: AcceptInviteRequest },
      responses: { 200: TokenResponse },
    }).handle(async ({ body, request }) => {
      const metadata = requestMetadata(request);
      const user = await acceptInvitation(services, { token: body.token, password: body.password, displayName: body.display_name },
        metadata);
      return { status: 200, body: tokenBody(await signedIn(services, user, "password", metadata)) };
    }),

    defineRoute({
      method: "POST", path: "/v1/auth/token", summary: "Login with email and password", tags, auth: "none",
      request: { body: LoginRequest },
      responses: { 200: LoginResponse },
    }).handle(async ({ body, request }) => {
      const outcome = await passwordLogin(services, body.email, body.password, requestMetadata(request));
      return { status: 200, body: outcome.kind === "token" ? tokenBody(outcome)
        : { mfa_required: true, mfa_token: outcome.mfaToken } };
    }),

    defineRoute({
      method: "POST", path: "/v1/auth/google", summary: "Sign in or sign up with a Google (OpenID Connect) ID token", tags,
      auth: "none",
      request: { body: GoogleLoginRequest },
      responses: { 200: LoginResponse },
    }).handle(async ({ body, request }) => {
      const outcome = await googleSignIn(services, verifyGoogleToken, { idToken: body.id_token, nonce: body.nonce },
        requestMetadata(request));
      return { status: 200, body: outcome.kind === "token" ? tokenBody(outcome)
        : { mfa_required: true, mfa_token: outcome.mfaToken } };
    }),

    defineRoute({
      method: "POST", path: "/v1/auth/mfa/verify", summary: "Finish an MFA login with a TOTP or recovery code", tags,
      auth: "none",
      request: { body: MfaVerifyRequest },
      responses: { 200: TokenResponse },
    }).handle(async ({ body, request }) => {
      return { status: 200, body: tokenBody(await completeMfaLogin(services, body.mfa_token, body.code, requestMetadata(request))) };
    }),

    defineRoute({
      method: "GET", path: "/v1/auth/me", summary: "Get the current user's profile", tags, auth: "required",
      responses: { 200: UserProfileResponse },
    }).handle(async ({ principal }) => {
      const user = requireUser(principal);
      return { status: 200, body: toProfileResponse(await profileOf(user.id)) };
    }),

    defineRoute({
      method: "PATCH", path: "/v1/auth/me", summary: "Update the current user's profile", tags, auth: "required",
      request: { body: UpdateProfileRequest },
      responses: { 200: UserProfileResponse },
    }).handle(async ({ body, principal, request }) => {
      const user = requireUser(principal);
      await updateProfile(services, user.id, { displayName: body.display_name, marketingEmails: body.marketing_emails },
        requestMetadata(request, user));
      return { status: 200, body: toProfileResponse(await profileOf(user.id)) };
    }),

    defineRoute({
      method: "DELETE", path: "/v1/auth/me", summary: "Delete the current user's account", tags, auth: "required",
      description: `The body must confirm with the exact text "${DELETE_CONFIRMATION}", and the ${AUTH_CONFIRM_HEADER} ` +
        "header carry the account password.",
      request: { body: DeleteAccountRequest },
      responses: { 204: null },
    }).handle(async ({ body, principal, request }) => {
      const user = requireUser(principal);
      if (body.confirmation !== DELETE_CONFIRMATION) {
        throw new HttpProblem(400, `confirmation must be exactly "${DELETE_CONFIRMATION}"`);
      }
      await requirePasswordConfirmation(services, user.id, request.header?.(AUTH_CONFIRM_HEADER));
      await deleteAccount(services, user, requestMetadata(request, user));
      return { status: 204 };
    }),

    defineRoute({
      method: "POST", path: "/v1/auth/change-password", summary: "Change the current user's password", tags,
      auth: "required",
      request: { body: ChangePasswordRequest },
      responses: { 204: null },
    }).handle(async ({ body, principal, request }) => {
      const user = requireUser(principal);
      await changePassword(services, user.id, body.current_password, body.new_password, requestMetadata(request, user));
      return { status: 204 };
    }),

    defineRoute({
      method: "POST", path: "/v1/auth/mfa/setup", summary: "Begin TOTP MFA enrolment", tags, auth: "required",
      responses: { 200: MfaSetupResponse },
    }).handle(async ({ principal, request }) => {
      const user = requireUser(principal);
      const setup = await startMfaSetup(services, user.id, user.email, requestMetadata(request, user));
      return { status: 200, body: { otpauth_uri: setup.otpauthUri, secret: setup.secret } };
    }),

    defineRoute({
      method: "POST", path: "/v1/auth/mfa/verify-setup", summary: "Confirm MFA enrolment with a TOTP code", tags,
      auth: "required",
      request: { body: MfaCodeRequest },
      responses: { 200: MfaRecoveryCodesResponse },
    }).handle(async ({ body, principal, request }) => {
      const user = requireUser(principal);
      const recoveryCodes = await confirmMfaSetup(services, user.id, body.code, requestMetadata(request, user));
      return { status: 200, body: { recovery_codes: recoveryCodes } };
    }),

    defineRoute({
      method: "GET", path: "/v1/auth/mfa/status", summary: "Check MFA enrolment status", tags, auth: "required",
      responses: { 200: MfaStatusResponse },
    }).handle(async ({ principal }) => {
      const user = requireUser(principal);
      return { status: 200, body: { enabled: (await profileOf(user.id)).totpEnabled } };
    }),

    defineRoute({
      method: "DELETE", path: "/v1/auth/mfa", summary: "Disable MFA (needs a TOTP or unused recovery code)", tags,
      auth: "required",
      request: { body: MfaCodeRequest },
      responses: { 204: null },
    }).handle(async ({ body, principal, request }) => {
      const user = requireUser(principal);
      await disableMfa(services, user.id, body.code, requestMetadata(request, user));
      return { status: 204 };
    }),
  ];

  async function profileOf(userId: string): Promise<UserProfile> {
    const user = await findUserById(services.db, userId);
    if (!user?.active) throw new HttpProblem(401, "authentication is required");
    return user;
  }
}
