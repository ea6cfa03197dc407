/**
 * Sign-in with Google: an OpenID Connect ID token, verified against the issuer's published keys (JWKS),
 * for our client id. A verified address that has an account signs into it; a new one gets an account.
 */
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from "jose";
import { NotFound, Unauthenticated } from "../../commands/errors.js";
import { userAggregate } from "../../commands/user.js";
import { loadAggregate } from "../app/aggregates.js";
import type { Config } from "../config.js";
import type { EventMetadata } from "../eventstore/port.js";
import { afterFirstFactor, type HumanServices, type LoginOutcome } from "./login.js";
import { findUserByEmail } from "./queries.js";
import { registerUser } from "./register.js";
import { normaliseEmail } from "./streams.js";

/** The ID token is not acceptable (signature, issuer, audience, expiry, unverified address); details go to logs only. */
export class GoogleTokenRejected extends Unauthenticated {
  constructor(readonly reason: string) { super("the Google ID token was not accepted"); this.name = "GoogleTokenRejected"; }
}

export class GoogleSignInNotConfigured extends NotFound {
  constructor() { super("sign-in with Google is not configured on this server (GOOGLE_CLIENT_ID)"); this.name = "GoogleSignInNotConfigured"; }
}

export interface GoogleIdentity { subject: string; email: string; name?: string }

export function googleVerifier(google: Config["google"]) {
  const clientId = google.clientId;
  if (!clientId) return undefined;
  const keys = createRemoteJWKSet(new URL(google.jwksUrl));
  // Google names itself with and without the scheme.
  const issuers = google.issuer === "https://accounts.google.com" ? [google.issuer, "accounts.google.com"] : [google.issuer];
  return async (idToken: string, nonce?: string): Promise<GoogleIdentity> => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(idToken, keys, { issuer: issuers, audience: clientId, algorithms: ["RS256", "ES256"],
        requiredClaims: ["sub", "exp", "iat"] }));
    } catch (error) {
      throw new GoogleTokenRejected(error instanceof errors.JOSEError ? error.code : "malformed");
    }
    if (nonce !== undefined && payload.nonce !== nonce) throw new GoogleTokenRejected("nonce mismatch");
    if (typeof payload.email !== "string" || payload.email_verified !== true) throw new GoogleTokenRejected("email not verified");
    return { subject: payload.sub!, email: normaliseEmail(payload.email), name: typeof payload.name === "string" ? payload.name : undefined };
  };
}

export async function googleSignIn(
  services: HumanServices, verify: ReturnType<typeof googleVerifier>, token: { idToken: string; nonce?: string },
  metadata: EventMetadata,
): Promise<LoginOutcome> {
  if (!verify) throw new GoogleSignInNotConfigured();
  const identity = await verify(token.idToken, token.nonce);
  const existing = await findUserByEmail(services.db, identity.email);
  const userId = existing?.id ?? (await registerUser(services.bus, {
    email: identity.email, displayName: identity.name, authMethod: "google", googleSubject: identity.subject,
  }, metadata)).userId;
  const user = await loadAggregate(services.store, userAggregate, userId);
  if (user.status !== "active") throw new GoogleTokenRejected("account inactive");
  return afterFirstFactor(services, user, "google", metadata);
}
