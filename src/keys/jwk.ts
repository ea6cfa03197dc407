import type { PublicJwk } from "./port.js";

/** RFC 8037 JWK of a raw 32-byte Ed25519 public key. */
export function ed25519PublicJwk(keyId: string, rawPublicKey: Uint8Array): PublicJwk {
  if (rawPublicKey.length !== 32) throw new Error("an Ed25519 public key is 32 bytes");
  return { kty: "OKP", crv: "Ed25519", x: Buffer.from(rawPublicKey).toString("base64url"), kid: keyId, alg: "EdDSA", use: "sig" };
}
