/** AES-256-GCM in software (node:crypto), shared by the local provider and envelope encryption. */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

export const GCM_IV_BYTES = 12;
export const GCM_TAG_BYTES = 16;

export interface GcmSealed {
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

/** Encrypts under a 256-bit key with a fresh random IV; `aad` is authenticated, not encrypted. */
export function encryptAesGcm(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): GcmSealed {
  const iv = randomBytes(GCM_IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: GCM_TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, ciphertext, tag: cipher.getAuthTag() };
}

/** Throws when the key, IV, ciphertext, tag or aad do not match what was sealed. */
export function decryptAesGcm(key: Uint8Array, sealed: GcmSealed, aad: Uint8Array): Buffer {
  if (sealed.iv.length !== GCM_IV_BYTES || sealed.tag.length !== GCM_TAG_BYTES) {
    throw new Error("malformed AES-GCM input");
  }
  const decipher = createDecipheriv("aes-256-gcm", key, sealed.iv, { authTagLength: GCM_TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.tag);
  return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
}
