/** Codes an authenticator app would show for a base32 secret (the tests' stand-in for the phone). */
import { totpCode, totpStep } from "../../src/humans/totp.js";

export function fromBase32(text: string): Buffer {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const char of text.replace(/=+$/, "")) {
    value = (value << 5) | alphabet.indexOf(char);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** The code for the server's `now` (its clock, not the wall clock), shifted by `steps` time steps. */
export function codeFor(secretBase32: string, now: Date, steps = 0): string {
  return totpCode(fromBase32(secretBase32), totpStep(now) + steps);
}
