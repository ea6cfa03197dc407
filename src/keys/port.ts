/**
 * The key provider port: where key-encryption keys (one per vault) and signing keys live. Adapters:
 * PKCS#11 (any HSM; SoftHSM2 in development and CI) and a local software provider (embedded default).
 * Key material of KEKs and private signing keys never leaves the provider through this port.
 */
import { Conflict, NotFound } from "../../commands/errors.js";

/** An Ed25519 public key as a JWK (RFC 8037). */
export interface PublicJwk {
  kty: "OKP";
  crv: "Ed25519";
  x: string;
  kid: string;
  alg: "EdDSA";
  use: "sig";
}

export interface KeyProviderHealth {
  connected: boolean;
  /** e.g. "pkcs11:SoftHSM v2 / token keyledger", "local (software keys, not an HSM)". */
  description: string;
}

export interface KeyProvider {
  /** "pkcs11" or "local"; shown in /v1/health/hsm as hsm_provider. */
  readonly kind: "pkcs11" | "local";

  /** Creates a 256-bit AES key-encryption key under this id. Fails if the id is taken. */
  createKek(kekId: string): Promise<void>;
  /** Destroys the KEK for good: everything wrapped under it becomes unreadable (crypto-shredding). */
  destroyKek(kekId: string): Promise<void>;
  hasKek(kekId: string): Promise<boolean>;

  /**
   * Wraps a data-encryption key under a KEK. `context` is bound to the result as additional
   * authenticated data: unwrapping with any other context fails.
   */
  wrapDataKey(kekId: string, dataKey: Uint8Array, context: Uint8Array): Promise<Uint8Array>;
  /** Reverses wrapDataKey; throws KeyUnwrapFailed on tampering, wrong context or a destroyed KEK. */
  unwrapDataKey(kekId: string, wrapped: Uint8Array, context: Uint8Array): Promise<Uint8Array>;

  /** Creates an Ed25519 signing key pair under this id and returns its public key. */
  createSigningKey(keyId: string): Promise<PublicJwk>;
  /** The public key of a signing key, or undefined when there is none under that id. */
  signingPublicKey(keyId: string): Promise<PublicJwk | undefined>;
  /** Ed25519 signature (64 bytes) over data. */
  sign(keyId: string, data: Uint8Array): Promise<Uint8Array>;
  destroySigningKey(keyId: string): Promise<void>;

  health(): Promise<KeyProviderHealth>;
  close(): Promise<void>;
}

export class KeyNotFound extends NotFound {
  constructor(readonly keyId: string) {
    super(`no key ${keyId} in the key provider`, { detail: "the key does not exist" });
    this.name = "KeyNotFound";
  }
}

export class KeyAlreadyExists extends Conflict {
  constructor(readonly keyId: string) {
    super(`a key ${keyId} already exists in the key provider`, { detail: "the key already exists" });
    this.name = "KeyAlreadyExists";
  }
}

/** Unwrapping failed: the wrapped key or its context was altered, or the KEK is gone. */
export class KeyUnwrapFailed extends Error {
  constructor(readonly kekId: string, options?: { cause?: unknown }) {
    super(`could not unwrap a data key under ${kekId}`, options);
    this.name = "KeyUnwrapFailed";
  }
}
