/**
 * A local OpenID Connect issuer for the sign-in with Google specs: its JWKS served on a free port, and ID tokens
 * signed with its key (or, to be refused, with a stranger's). Google itself cannot be reached from a test.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from "jose";
import type { Config } from "../../src/config.js";

export interface OidcIssuer {
  /** The server's `google` settings for this issuer and client id. */
  google: Config["google"];
  /** An ID token for the client id, valid for five minutes, unless an option says otherwise. */
  idToken(claims: Record<string, unknown>, options?: { stranger?: boolean; iss?: string; aud?: string; exp?: number }): Promise<string>;
  close(): Promise<void>;
}

export async function startOidcIssuer(clientId: string): Promise<OidcIssuer> {
  const pair = await generateKeyPair("RS256");
  const stranger: CryptoKey = (await generateKeyPair("RS256")).privateKey;
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "RS256", use: "sig" }] });
  const server = http.createServer((_req, res) => { res.setHeader("content-type", "application/json"); res.end(jwks); });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    google: { clientId, issuer, jwksUrl: `${issuer}/jwks` },
    idToken(claims, options = {}) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ email_verified: true, ...claims })
        .setProtectedHeader({ alg: "RS256", kid: "k1" })
        .setIssuer(options.iss ?? issuer).setAudience(options.aud ?? clientId)
        .setIssuedAt(now).setExpirationTime(options.exp ?? now + 300)
        .sign(options.stranger ? stranger : pair.privateKey);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
