/** How the ids of human-side aggregates are derived where they are not random (an email address's stream). */
import { uuidFromName } from "../ids/name-based-id.js";

/** Addresses are compared trimmed and lower-cased. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** One stream per address, named by a UUID-shaped digest of it (stream names hold no addresses). */
export function emailId(email: string): string {
  return uuidFromName(normaliseEmail(email), "raw");
}

