/**
 * Secrets handed to a person once (verification tokens, MFA tokens, recovery codes): random, and kept
 * only as SHA-256 digests. Tokens carry the id of what they unlock, so finding it needs no lookup table.
 */
import { randomBytes, randomInt } from "node:crypto";
import { sha256Hex } from "../auth/digest.js";
import { isUuid } from "../db/rows.js";

/** `<id>.<secret>`: the id says which record to load, the secret proves possession. */
export function newBearerSecret(...ids: string[]): { token: string; secretHash: string } {
  const secret = randomBytes(32).toString("base64url");
  return { token: [...ids, secret].join("."), secretHash: sha256Hex(secret) };
}

/** The ids and the digest of the secret of a token made by newBearerSecret, or undefined when malformed. */
export function parseBearerSecret(token: string, idCount: number): { ids: string[]; secretHash: string } | undefined {
  const parts = token.split(".");
  // The ids in tokens we issued are lower-case UUIDs (randomUUID), exactly as their streams are named.
  const issuedId = (id: string) => isUuid(id) && id === id.toLowerCase();
  if (parts.length !== idCount + 1 || !parts.slice(0, idCount).every(issuedId)) return undefined;
  if (!/^[A-Za-z0-9_-]{43}$/.test(parts[idCount])) return undefined;
  return { ids: parts.slice(0, idCount), secretHash: sha256Hex(parts[idCount]) };
}

const RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789";

/** Ten codes like `k7m2p-x9qtr` (about 49 bits each): easy to type, hard to guess. */
export function newRecoveryCodes(count = 10): string[] {
  const code = () => Array.from({ length: 10 }, () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)]).join("");
  return Array.from({ length: count }, () => { const c = code(); return `${c.slice(0, 5)}-${c.slice(5)}`; });
}

/** The digest a recovery code is stored and compared as; case and dashes do not matter. */
export function recoveryCodeHash(code: string): string {
  return sha256Hex(code.trim().toLowerCase().replace(/[\s-]/g, ""));
}
