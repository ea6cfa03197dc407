/** TOTP against RFC 6238's SHA-1 test vectors (6-digit truncation of the 8-digit values). */
import { expect } from "chai";
import { base32, matchingTotpStep, totpCode, totpStep } from "../../src/humans/totp.js";
import { fromBase32 } from "./totp-helper.js";

const secret = Buffer.from("12345678901234567890");

describe("TOTP", () => {
  it("matches RFC 6238's vectors", () => {
    expect(totpCode(secret, totpStep(new Date(59_000)))).to.equal("287082");
    expect(totpCode(secret, totpStep(new Date(1_111_111_109_000)))).to.equal("081804");
    expect(totpCode(secret, totpStep(new Date(2_000_000_000_000)))).to.equal("279037");
  });

  it("allows one step of drift either way, no more", () => {
    const at = new Date(1_111_111_109_000);
    const step = totpStep(at);
    expect(matchingTotpStep(secret, totpCode(secret, step + 1), at)).to.equal(step + 1);
    expect(matchingTotpStep(secret, totpCode(secret, step - 1), at)).to.equal(step - 1);
    expect(matchingTotpStep(secret, totpCode(secret, step + 2), at)).to.equal(undefined);
    expect(matchingTotpStep(secret, "12345", at)).to.equal(undefined);
  });

  it("encodes secrets in base32 for authenticator apps", () => {
    expect(base32(secret)).to.equal("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    expect(fromBase32(base32(secret)).equals(secret)).to.equal(true);
  });
});
