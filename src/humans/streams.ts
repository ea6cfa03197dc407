/** How the ids of human-side aggregates are derived where they are not random (an email address's stream). */
import { createHash } from "node:crypto";

/** Addresses are compared trimmed and lower-cased. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** One stream per address, named by a UUID-shaped digest of it (stream names hold no addresses). */
export function emailId(email: string): string {
  const hex = createHash("sha256").update(normaliseEmail(email)).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

