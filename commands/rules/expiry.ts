/** Things created with an expiry (secret versions, shares, policies, API keys) must not be born expired. */
import { Invalid } from "../errors.js";

export class ExpiryNotInFuture extends Invalid {
  constructor() { super("expires_at must be in the future"); this.name = "ExpiryNotInFuture"; }
}

export function requireFutureExpiry(expiresAt: Date | null | undefined, now: Date): void {
  if (expiresAt && expiresAt <= now) throw new ExpiryNotInFuture();
}
