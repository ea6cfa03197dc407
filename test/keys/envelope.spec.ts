import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { openValue, sealValue, SealedValueUnreadable, type SealedValue, type SealTarget } from "../../src/keys/envelope.js";
import { openLocalKeyProvider } from "../../src/keys/local.js";
import { openPkcs11Provider } from "../../src/keys/pkcs11.js";
import type { KeyProvider } from "../../src/keys/port.js";
import { softHsmToken, softHsmUnavailableReason } from "../support/softhsm.js";

interface OpenedKeys {
  keys: KeyProvider;
  dispose(): Promise<void>;
}

const providers: Array<{ name: string; open: () => Promise<OpenedKeys> }> = [
  {
    name: "local",
    open: async () => {
      const directory = mkdtempSync(join(tmpdir(), "keyledger-envelope-"));
      const keys = await openLocalKeyProvider({ directory });
      return { keys, dispose: async () => (await keys.close(), rmSync(directory, { recursive: true, force: true })) };
    },
  },
];
if (!softHsmUnavailableReason()) {
  providers.push({
    name: "PKCS#11",
    open: async () => {
      const keys = await openPkcs11Provider(softHsmToken("envelope"));
      return { keys, dispose: () => keys.close() };
    },
  });
}

for (const provider of providers) {
  describe(`envelope encryption (${provider.name} keys)`, () => {
    let opened: OpenedKeys;
    let keys: KeyProvider;
    let target: SealTarget;
    const plaintext = new TextEncoder().encode("sk_live_51H8vault-secret");

    before(async () => {
      opened = await provider.open();
      keys = opened.keys;
    });
    after(() => opened?.dispose());
    beforeEach(async () => {
      target = { kekId: randomUUID(), vaultId: randomUUID(), secretId: randomUUID(), version: 1 };
      await keys.createKek(target.kekId);
    });

    async function expectUnreadable(sealed: SealedValue, binding = target): Promise<void> {
      const error = await openValue(keys, binding, sealed).then(
        () => undefined,
        (reason: unknown) => reason,
      );
      expect(error).to.be.instanceOf(SealedValueUnreadable);
    }

    const flipFirstBit = (base64: string) => {
      const bytes = Buffer.from(base64, "base64");
      bytes[0]! ^= 0x01;
      return bytes.toString("base64");
    };

    it("opens what it sealed, and seals to a JSON-safe record without the plaintext", async () => {
      const sealed = await sealValue(keys, target, plaintext);
      const stored = JSON.parse(JSON.stringify(sealed)) as SealedValue;
      expect(stored).to.deep.equal(sealed);
      expect(sealed.kekId).to.equal(target.kekId);
      expect(JSON.stringify(sealed)).not.to.include("sk_live");
      expect(Buffer.from(await openValue(keys, target, stored))).to.deep.equal(Buffer.from(plaintext));
    });

    it("uses a fresh data key and IV for every seal", async () => {
      const first = await sealValue(keys, target, plaintext);
      const second = await sealValue(keys, target, plaintext);
      expect(second.iv).not.to.equal(first.iv);
      expect(second.ciphertext).not.to.equal(first.ciphertext);
      expect(second.wrappedKey).not.to.equal(first.wrappedKey);
    });

    it("refuses a tampered ciphertext, IV, tag or wrapped key", async () => {
      const sealed = await sealValue(keys, target, plaintext);
      for (const field of ["ciphertext", "iv", "tag", "wrappedKey"] as const) {
        await expectUnreadable({ ...sealed, [field]: flipFirstBit(sealed[field]) });
      }
    });

    it("refuses a value moved to another secret, version or vault", async () => {
      const sealed = await sealValue(keys, target, plaintext);
      await expectUnreadable(sealed, { ...target, secretId: randomUUID() });
      await expectUnreadable(sealed, { ...target, version: 2 });
      await expectUnreadable(sealed, { ...target, vaultId: randomUUID() });
    });

    it("cannot open anything once the vault's KEK is destroyed", async () => {
      const sealed = await sealValue(keys, target, plaintext);
      await keys.destroyKek(target.kekId);
      await expectUnreadable(sealed);
    });
  });
}
