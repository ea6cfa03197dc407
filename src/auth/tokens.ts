/**
 * Our access tokens: compact JWS with EdDSA (Ed25519), signed through the key provider so the private key
 * stays in the HSM, and verified with jose against the published public key. Only EdDSA is accepted:
 * `alg: none` and HMAC tokens (the classic key-confusion attack) fail verification.
 */
import { errors, importJWK, jwtVerify, type JWTPayload } from "jose";
import { hash, randomUUID } from "node:crypto";
import { Unauthenticated } from "../../commands/errors.js";
import type { KeyProvider, PublicJwk } from "../keys/port.js";

export interface TokenServiceOptions {
  issuer: string;
  audience: string;
  /** Id of the signing key in the key provider. */
  keyId?: string;
  clock?: () => Date;
}

export interface IssuedToken {
  token: string;
  tokenId: string;
  expiresIn: number;
  expiresAt: Date;
}

export interface VerifiedToken {
  claims: JWTPayload & { sub: string; org: string };
  tokenId: string;
  expiresAt: Date;
}

/** Any reason a token is not acceptable; the detail is for logs, never for the caller. */
export class InvalidToken extends Unauthenticated {
  constructor(reason: string) {
    super(`invalid token: ${reason}`);
    this.name = "InvalidToken";
  }
}

const b64url = (input: Uint8Array | string) => Buffer.from(input).toString("base64url");

/** Tokens whose signature and claims were checked, kept to spare an Ed25519 verification per request. */
const VERIFIED_TOKENS_KEPT = 10_000;

export class TokenService {
  private publicJwk?: PublicJwk;
  private verificationKey?: CryptoKey | Uint8Array;
  private readonly keyId: string;
  private readonly clock: () => Date;
  /**
   * SHA-256 of the token (the credential is not held as a key) -> what verify() answered for it. A token's
   * signature, issuer and audience never change, so only its validity period is checked again on each use
   * (revocation is the authenticator's, every time).
   */
  private readonly verified = new Map<string, VerifiedToken & { notBefore: number }>();

  private constructor(private readonly keys: KeyProvider, private readonly options: TokenServiceOptions) {
    this.keyId = options.keyId ?? "jwt-ed25519-1";
    this.clock = options.clock ?? (() => new Date());
  }

  /** Loads the signing key's public half, creating the key pair on first start. */
  static async open(keys: KeyProvider, options: TokenServiceOptions): Promise<TokenService> {
    const service = new TokenService(keys, options);
    const jwk = (await keys.signingPublicKey(service.keyId)) ?? (await keys.createSigningKey(service.keyId).catch(
      // Another process created it first.
      async () => (await keys.signingPublicKey(service.keyId))!));
    service.publicJwk = jwk;
    service.verificationKey = await importJWK({ kty: jwk.kty, crv: jwk.crv, x: jwk.x }, "EdDSA");
    return service;
  }

  get issuer(): string {
    return this.options.issuer;
  }

  /** Signs claims (`sub`, `org` and any others) valid for ttlSeconds from now. */
  async issue(claims: { sub: string; org: string } & Record<string, unknown>, ttlSeconds: number): Promise<IssuedToken> {
    const now = Math.floor(this.clock().getTime() / 1000);
    const tokenId = randomUUID();
    const header = { alg: "EdDSA", typ: "JWT", kid: this.keyId };
    const payload = {
      ...claims, iss: this.options.issuer, aud: this.options.audience, iat: now, nbf: now, exp: now + ttlSeconds, jti: tokenId,
    };
    const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
    const signature = await this.keys.sign(this.keyId, Buffer.from(signingInput));
    return {
      token: `${signingInput}.${b64url(signature)}`,
      tokenId,
      expiresIn: ttlSeconds,
      expiresAt: new Date((now + ttlSeconds) * 1000),
    };
  }

  /** Checks signature, algorithm, issuer, audience and validity period; throws InvalidToken otherwise. */
  async verify(token: string): Promise<VerifiedToken> {
    const digest = hash("sha256", token, "base64url");
    const known = this.verified.get(digest);
    if (known) {
      const now = Math.floor(this.clock().getTime() / 1000);
      // jose's rules: expired at exp, valid from nbf. Outside them, the full check below says why.
      if (now < known.expiresAt.getTime() / 1000 && now >= known.notBefore) return known;
      this.verified.delete(digest);
    }
    try {
      const { payload } = await jwtVerify(token, this.verificationKey!, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: ["EdDSA"],
        currentDate: this.clock(),
        requiredClaims: ["sub", "exp", "nbf", "jti"],
      });
      if (typeof payload.sub !== "string" || typeof payload.org !== "string" || typeof payload.jti !== "string") {
        throw new InvalidToken("missing claims");
      }
      const result = {
        claims: payload as VerifiedToken["claims"],
        tokenId: payload.jti,
        expiresAt: new Date(payload.exp! * 1000),
      };
      // Oldest first out (a Map keeps insertion order): a bound on memory, not a policy.
      if (this.verified.size >= VERIFIED_TOKENS_KEPT) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(digest, { ...result, notBefore: payload.nbf ?? 0 });
      return result;
    } catch (error) {
      if (error instanceof InvalidToken) throw error;
      if (error instanceof errors.JOSEError) throw new InvalidToken(error.code);
      throw new InvalidToken("malformed");
    }
  }

  /** The public keys, as published at /.well-known/jwks.json. */
  jwks(): { keys: PublicJwk[] } {
    return { keys: [this.publicJwk!] };
  }

  /** The raw Ed25519 public key, base64 (GET /v1/auth/jwt-public-key). */
  publicKeyBase64(): string {
    return Buffer.from(this.publicJwk!.x, "base64url").toString("base64");
  }
}
