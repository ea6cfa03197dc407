/**
 * The dashboard's sign-in, as a cookie session (see session-cookie.ts). Each way of signing in runs the same
 * domain function as its `/v1/auth/*` twin, then trades the token it issued for a short-lived session token that
 * only ever travels in the httpOnly cookie. `POST /v1/auth/session/refresh` trades a live session token for a
 * fresh one, up to SESSION_MAX_AGE_SECONDS after the sign-in; `DELETE /v1/auth/session` revokes it.
 */
import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { Services } from "../../app/services.js";
import { requireUser } from "../../auth/guards.js";
import { issueAccessToken } from "../../auth/issue.js";
import { requestMetadata } from "../../auth/metadata.js";
import { parseSubject, type Principal } from "../../auth/principal.js";
import { revokeCurrentToken } from "../../auth/revocation.js";
import type { EventMetadata } from "../../eventstore/port.js";
import { googleSignIn, googleVerifier } from "../../humans/google.js";
import { acceptInvitation } from "../../humans/invitations.js";
import { completeMfaLogin, passwordLogin, signedIn, type LoginOutcome } from "../../humans/login.js";
import { findUserById } from "../../humans/queries.js";
import { verifySignup } from "../../humans/signup.js";
import { AcceptInviteRequest, GoogleLoginRequest, LoginRequest, MfaVerifyRequest, VerifyEmailRequest } from "../../api/auth.js";
import { SessionConfigResponse, SessionLoginResponse, SessionResponse, SessionStateResponse } from "../../api/session.js";
import { HttpProblem } from "../problems.js";
import { defineRoute, type Route } from "../route.js";
import { csrfTokenFor, sessionCookie, sessionIdOf, type SessionCookieOptions } from "../session-cookie.js";

/** A session token lives 15 minutes; the dashboard refreshes it while the tab is open. */
export const SESSION_TOKEN_TTL_SECONDS = 15 * 60;
/** After 12 hours the session ends, refreshes or not: sign in again. */
export const SESSION_MAX_AGE_SECONDS = 12 * 60 * 60;

type SessionBody = z.input<typeof SessionResponse>;

export function dashboardSessionRoutes(services: Services): Route[] {
  const tags = ["Dashboard session"];
  const cookie: SessionCookieOptions = { secure: services.config.publicUrl?.startsWith("https://") ?? false };
  const verifyGoogleToken = googleVerifier(services.config.google);

  /**
   * Issues the session token for a user: `session.authTime` is when they signed in (seconds since the epoch),
   * `session.id` the secret the CSRF token derives from; both carry over to refreshed tokens.
   */
  async function sessionFor(user: { id: string; orgId: string }, session: { id: string; authTime: number }, metadata: EventMetadata) {
    const authTime = session.authTime;
    const who = { ...metadata, actor: { type: "user", id: user.id }, org_id: user.orgId };
    const remaining = authTime + SESSION_MAX_AGE_SECONDS - Math.floor(services.clock().getTime() / 1000);
    if (remaining <= 0) throw new HttpProblem(401, "the session is over; sign in again");
    const issued = await issueAccessToken(services, { type: "user", id: user.id, orgId: user.orgId },
      { method: "dashboard_session", auth_time: authTime, sid: session.id }, Math.min(SESSION_TOKEN_TTL_SECONDS, remaining), who);
    const profile = await findUserById(services.db, user.id);
    if (!profile?.active) throw new HttpProblem(401, "authentication is required");
    const body: SessionBody = { signed_in: true, csrf_token: csrfTokenFor(session.id), expires_in: issued.expiresIn,
      user_id: profile.id, email: profile.email };
    return { status: 200 as const, body, headers: { "Set-Cookie": sessionCookie(cookie, issued.token, issued.expiresIn),
      "Cache-Control": "no-store" } };
  }

  /** Trades the token a sign-in issued for a session token, and revokes it: it never leaves the server. */
  async function startSession(loginToken: string, metadata: EventMetadata) {
    const verified = await services.tokens.verify(loginToken);
    const subject = parseSubject(verified.claims.sub);
    if (subject?.type !== "user") throw new HttpProblem(401, "authentication is required");
    const user = { id: subject.id, orgId: verified.claims.org };
    const answer = await sessionFor(user, { id: randomUUID(), authTime: Math.floor(services.clock().getTime() / 1000) }, metadata);
    await revokeCurrentToken(services, { type: "user", id: user.id, orgId: user.orgId, email: answer.body.email,
      role: "member", credential: "jwt", tokenId: verified.tokenId, tokenExpiresAt: verified.expiresAt },
    { ...metadata, actor: { type: "user", id: user.id }, org_id: user.orgId });
    return answer;
  }

  async function afterLogin(outcome: LoginOutcome, metadata: EventMetadata) {
    if (outcome.kind === "mfa_required") {
      return { status: 200 as const, body: { mfa_required: true as const, mfa_token: outcome.mfaToken } };
    }
    return startSession(outcome.accessToken, metadata);
  }

  /** The bearer token the session cookie carried in (session-cookie.ts put it in `Authorization`). */
  function sessionToken(principal: Principal, header: ((name: string) => string | undefined) | undefined): string {
    const token = /^Bearer (\S+)$/.exec(header?.("Authorization") ?? "")?.[1];
    if (principal.credential !== "jwt" || !token) throw new HttpProblem(400, "this request is not part of a dashboard session");
    return token;
  }

  return [
    defineRoute({
      method: "GET", path: "/v1/auth/session/config", summary: "What the dashboard's sign-in page offers", tags,
      auth: "none", responses: { 200: SessionConfigResponse },
    }).handle(() => ({ status: 200, body: { google_client_id: services.config.google.clientId } })),

    defineRoute({
      method: "POST", path: "/v1/auth/session/login", summary: "Sign in to the dashboard with email and password",
      description: "Answers the session (its token is in the httpOnly cookie) or, with MFA on, the challenge for " +
        "`POST /v1/auth/session/mfa`.",
      tags, auth: "none", request: { body: LoginRequest }, responses: { 200: SessionLoginResponse },
    }).handle(async ({ body, request }) => {
      const metadata = requestMetadata(request);
      return afterLogin(await passwordLogin(services, body.email, body.password, metadata), metadata);
    }),

    defineRoute({
      method: "POST", path: "/v1/auth/session/mfa", summary: "Finish a dashboard sign-in with a TOTP or recovery code",
      tags, auth: "none", request: { body: MfaVerifyRequest }, responses: { 200: SessionResponse },
    }).handle(async ({ body, request }) => {
      const metadata = requestMetadata(request);
      const outcome = await completeMfaLogin(services, body.mfa_token, body.code, metadata);
      return startSession(outcome.accessToken, metadata);
    }),

    defineRoute({
      method: "POST", path: "/v1/auth/session/verify-email", summary: "Verify a signup from the mail's link and sign in",
      tags, auth: "none", request: { body: VerifyEmailRequest }, responses: { 200: SessionResponse },
    }).handle(async ({ body, request }) => {
      const metadata = requestMetadata(request);
      const user = await verifySignup(services, body.token, metadata);
      return startSession((await signedIn(services, user, "password", metadata)).accessToken, metadata);
    }),

    defineRoute({
      method: "POST", path: "/v1/auth/session/accept-invite", summary: "Sign up from an invitation link and sign in",
      tags, auth: "none", request: { body: AcceptInviteRequest }, responses: { 200: SessionResponse },
    }).handle(async ({ body, request }) => {
      const metadata = requestMetadata(request);
      const user = await acceptInvitation(services, { token: body.token, password: body.password, displayName: body.display_name },
        metadata);
      return startSession((await signedIn(services, user, "password", metadata)).accessToken, metadata);
    }),

    defineRoute({
      method: "POST", path: "/v1/auth/session/google", summary: "Sign in to the dashboard with a Google ID token",
      tags, auth: "none", request: { body: GoogleLoginRequest }, responses: { 200: SessionLoginResponse },
    }).handle(async ({ body, request }) => {
      const metadata = requestMetadata(request);
      return afterLogin(await googleSignIn(services, verifyGoogleToken, { idToken: body.id_token, nonce: body.nonce }, metadata),
        metadata);
    }),

    defineRoute({
      method: "GET", path: "/v1/auth/session", summary: "The current dashboard session and its CSRF token", tags,
      description: "`signed_in: false` when the request carries no live session.",
      auth: "optional", responses: { 200: SessionStateResponse },
    }).handle(async ({ principal, request }) => {
      if (principal?.type !== "user") return { status: 200, body: { signed_in: false as const }, headers: { "Cache-Control": "no-store" } };
      const user = principal;
      const sessionId = sessionIdOf(sessionToken(user, request.header));
      if (!sessionId) return { status: 200, body: { signed_in: false as const }, headers: { "Cache-Control": "no-store" } };
      const expiresIn = Math.max(0, Math.floor(((user.tokenExpiresAt?.getTime() ?? 0) - services.clock().getTime()) / 1000));
      return { status: 200, body: { signed_in: true as const, csrf_token: csrfTokenFor(sessionId), expires_in: expiresIn, user_id: user.id, email: user.email },
        headers: { "Cache-Control": "no-store" } };
    }),

    defineRoute({
      method: "POST", path: "/v1/auth/session/refresh", summary: "Trade the session token for a fresh one",
      description: "Needs the session's `X-CSRF-Token`. The old token is revoked; the answer carries the new CSRF token.",
      tags, auth: "required", responses: { 200: SessionResponse },
    }).handle(async ({ principal, request }) => {
      const user = requireUser(principal);
      const verified = await services.tokens.verify(sessionToken(user, request.header));
      const { auth_time: authTime, sid } = verified.claims;
      if (typeof authTime !== "number" || typeof sid !== "string") {
        throw new HttpProblem(400, "only a dashboard session token can be refreshed");
      }
      const metadata = requestMetadata(request, user);
      const answer = await sessionFor(user, { id: sid, authTime }, metadata);
      await revokeCurrentToken(services, user, metadata);
      return answer;
    }),

    defineRoute({
      method: "DELETE", path: "/v1/auth/session", summary: "Sign out of the dashboard", tags,
      description: "Revokes the session token and clears the cookie.",
      auth: "required", responses: { 204: null },
    }).handle(async ({ principal, request }) => {
      const user = requireUser(principal);
      sessionToken(user, request.header);
      await revokeCurrentToken(services, user, requestMetadata(request, user));
      return { status: 204, headers: { "Set-Cookie": sessionCookie(cookie, "", 0) } };
    }),
  ];
}
