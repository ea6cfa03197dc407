/**
 * Customer-managed keys on the client (the 1claw TypeScript SDK's "v1" format): AES-256-GCM under the
 * customer's 32-byte key, a fresh 12-byte IV, no AAD; blob = 0x01 ‖ IV ‖ ciphertext ‖ 16-byte tag, sent as
 * the secret's value in standard padded base64. The server knows a key only by its fingerprint, the
 * lowercase hex SHA-256 of its raw bytes. Web Crypto only, so it runs wherever the SDK does; the server's
 * rotation job uses these same functions.
 */

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

const subtle = () => globalThis.crypto.subtle;
/** A copy on a plain ArrayBuffer, as Web Crypto's types want (a Node Buffer may sit on a shared pool). */
const plain = (bytes: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(bytes);

function requireKey(key: Uint8Array): void {
  if (key.length !== CMEK_KEY_BYTES) throw new RangeError(`a CMEK key is ${CMEK_KEY_BYTES} bytes, not ${key.length}`);
}

/** Standard padded base64 of bytes. */
export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** Bytes of standard padded base64; undefined for any other text (so a malformed value is never half-read). */
export function fromBase64(text: string): Uint8Array | undefined {
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) return undefined;
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

async function aesKey(key: Uint8Array, usage: "encrypt" | "decrypt"): Promise<CryptoKey> {
  requireKey(key);
  return subtle().importKey("raw", plain(key), { name: "AES-GCM" }, false, [usage]);
}

/** A fresh random key (what the dashboard offers as a downloadable `.key` file). Keep it off the server. */
export function generateCmekKey(): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(CMEK_KEY_BYTES));
}

/** SHA-256 of the raw key bytes, lowercase hex: what `POST /v1/vaults/{id}/cmek` takes. */
export async function cmekFingerprint(key: Uint8Array): Promise<string> {
  requireKey(key);
  const digest = new Uint8Array(await subtle().digest("SHA-256", plain(key)));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Encrypts plaintext (a string as UTF-8) into the base64 v1 blob, with a fresh IV each time. */
export async function encryptCmek(key: Uint8Array, plaintext: string | Uint8Array): Promise<string> {
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const data = typeof plaintext === "string" ? new TextEncoder().encode(plaintext) : plaintext;
  const sealed = new Uint8Array(await subtle().encrypt({ name: "AES-GCM", iv, tagLength: TAG_BYTES * 8 }, await aesKey(key, "encrypt"), plain(data)));
  const blob = new Uint8Array(1 + IV_BYTES + sealed.length);
  blob[0] = VERSION;
  blob.set(iv, 1);
  blob.set(sealed, 1 + IV_BYTES); // Web Crypto appends the tag: ciphertext ‖ tag
  return toBase64(blob);
}

/** Decrypts a base64 v1 blob into its bytes; throws CmekDecryptionFailed for anything else or under another key. */
export async function decryptCmek(key: Uint8Array, blob: string): Promise<Uint8Array> {
  const bytes = fromBase64(blob);
  if (!bytes || bytes.length < MIN_BLOB_BYTES) throw new CmekDecryptionFailed("not a base64 v1 blob");
  if (bytes[0] !== VERSION) throw new CmekDecryptionFailed(`unknown version byte ${bytes[0]}`);
  const iv = bytes.subarray(1, 1 + IV_BYTES);
  try {
    return new Uint8Array(await subtle().decrypt({ name: "AES-GCM", iv: plain(iv), tagLength: TAG_BYTES * 8 }, await aesKey(key, "decrypt"),
      plain(bytes.subarray(1 + IV_BYTES))));
  } catch (error) {
    if (error instanceof RangeError) throw error;
    throw new CmekDecryptionFailed("authentication failed (another key, or the value was altered)");
  }
}

/** Decrypts a v1 blob holding UTF-8 text. */
export async function decryptCmekText(key: Uint8Array, blob: string): Promise<string> {
  return new TextDecoder().decode(await decryptCmek(key, blob));
}
