/**
 * The byte layout of a wrapped data key, the same for every provider: a format byte, then the GCM IV,
 * the ciphertext and the tag. The format byte leaves room for another algorithm later.
 */
import { GCM_IV_BYTES, GCM_TAG_BYTES, type GcmSealed } from "./aes-gcm.js";

const FORMAT_AES256_GCM = 1;

export function encodeWrappedKey(sealed: GcmSealed): Uint8Array {
  return Buffer.concat([Buffer.of(FORMAT_AES256_GCM), sealed.iv, sealed.ciphertext, sealed.tag]);
}

/** Splits a wrapped key; undefined when it cannot be one (then unwrapping fails like any tampering). */
export function decodeWrappedKey(wrapped: Uint8Array): GcmSealed | undefined {
  const bytes = Buffer.from(wrapped.buffer, wrapped.byteOffset, wrapped.byteLength);
  if (bytes.length <= 1 + GCM_IV_BYTES + GCM_TAG_BYTES || bytes[0] !== FORMAT_AES256_GCM) return undefined;
  return {
    iv: bytes.subarray(1, 1 + GCM_IV_BYTES),
    ciphertext: bytes.subarray(1 + GCM_IV_BYTES, bytes.length - GCM_TAG_BYTES),
    tag: bytes.subarray(bytes.length - GCM_TAG_BYTES),
  };
}
