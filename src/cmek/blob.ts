/**
 * The client-side CMEK format (1claw's TypeScript SDK, "v1"): AES-256-GCM under the customer's 32-byte key,
 * a fresh 12-byte IV, no AAD; blob = 0x01 ‖ IV ‖ ciphertext ‖ 16-byte tag, sent as standard padded base64.
 * A key is known to the server only by its fingerprint, the lowercase hex SHA-256 of its raw bytes. Shared
 * by the SDK (which encrypts and decrypts) and the server's rotation job (which re-encrypts).
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

export const CMEK_KEY_BYTES = 32;
const VERSION = 0x01;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const MIN_BLOB_BYTES = 1 + IV_BYTES + TAG_BYTES;

/** The value is not a v1 blob under this key (another key, another format, or altered). */
export class CmekDecryptionFailed extends Error {
  constructor(reason: string) {
    super(`cannot decrypt the CMEK value: ${reason}`);
    this.name = "CmekDecryptionFailed";
  }
}

function requireKey(key: Uint8Array): void {
  if (key.length !== CMEK_KEY_BYTES) throw new RangeError(`a CMEK key is ${CMEK_KEY_BYTES} bytes, not ${key.length}`);
}

/** A fresh random key (what the dashboard offers as a downloadable `.key` file). */
export function generateCmekKey(): Buffer {
  return randomBytes(CMEK_KEY_BYTES);
}

/** SHA-256 of the raw key bytes, lowercase hex: what `POST …/cmek` takes. */
export function cmekFingerprint(key: Uint8Array): string {
  requireKey(key);
  return createHash("sha256").update(key).digest("hex");
}

/** Encrypts plaintext (a string as UTF-8) into the base64 v1 blob, with a fresh IV each time. */
export function encryptCmek(key: Uint8Array, plaintext: string | Uint8Array): string {
  requireKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const body = Buffer.concat([cipher.update(typeof plaintext === "string" ? Buffer.from(plaintext, "utf8") : plaintext), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), iv, body, cipher.getAuthTag()]).toString("base64");
}

/** Decrypts a base64 v1 blob; throws CmekDecryptionFailed for anything else or under another key. */
export function decryptCmek(key: Uint8Array, blob: string): Buffer {
  requireKey(key);
  const bytes = Buffer.from(blob, "base64");
  if (bytes.length < MIN_BLOB_BYTES || bytes.toString("base64") !== blob) throw new CmekDecryptionFailed("not a base64 v1 blob");
  if (bytes[0] !== VERSION) throw new CmekDecryptionFailed(`unknown version byte ${bytes[0]}`);
  const iv = bytes.subarray(1, 1 + IV_BYTES);
  const tag = bytes.subarray(bytes.length - TAG_BYTES);
  const decipher = createDecipheriv("aes-256-gcm", key, iv);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(bytes.subarray(1 + IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new CmekDecryptionFailed("authentication failed (another key, or the value was altered)");
  }
}

/** Decrypts a v1 blob as UTF-8 text. */
export function decryptCmekText(key: Uint8Array, blob: string): string {
  return decryptCmek(key, blob).toString("utf8");
}
