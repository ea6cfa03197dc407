import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openLocalKeyProvider } from "../../src/keys/local.js";
import { openPkcs11Provider } from "../../src/keys/pkcs11.js";
import { softHsmToken, softHsmUnavailableReason } from "../support/softhsm.js";
import { keyProviderContract } from "./contract.js";

describe("local key provider", () => {
  let directory: string;
  before(() => (directory = mkdtempSync(join(tmpdir(), "keyledger-keys-"))));
  after(() => rmSync(directory, { recursive: true, force: true }));

  keyProviderContract(() => ({
    open: () => openLocalKeyProvider({ directory }),
    description: /software.*not an HSM/,
    secrets: [],
  }));
});

describe("PKCS#11 key provider (SoftHSM2)", () => {
  const unavailable = softHsmUnavailableReason();
  if (unavailable) {
    it(`runs the key provider contract — pending: ${unavailable}`);
    return;
  }
  keyProviderContract(() => {
    const config = { ...softHsmToken("keys-contract"), sessions: 4 };
    return { open: () => openPkcs11Provider(config), description: /^pkcs11:.*SoftHSM.*keys-contract/, secrets: [config.pin] };
  });
});
