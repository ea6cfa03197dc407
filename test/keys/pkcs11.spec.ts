import { execFileSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import pkcs11js from "pkcs11js";
import { openPkcs11Provider, type Pkcs11Config } from "../../src/keys/pkcs11.js";
import { acquireModule, releaseModule } from "../../src/keys/pkcs11-module.js";
import { KeyNotFound, KeyUnwrapFailed, type KeyProvider } from "../../src/keys/port.js";
import { softHsmToken, softHsmUnavailableReason } from "../support/softhsm.js";

describe("PKCS#11 key objects on the token", () => {
  const unavailable = softHsmUnavailableReason();
  if (unavailable) {
    it(`are sensitive and non-extractable — pending: ${unavailable}`);
    return;
  }

  let config: Pkcs11Config;
  let keys: KeyProvider;
  let pkcs11: pkcs11js.PKCS11;
  let session: Buffer;

  before(async () => {
    config = softHsmToken("pkcs11-objects");
    keys = await openPkcs11Provider(config);
    // The provider is logged in to the token, and login is per application: this session sees private objects.
    pkcs11 = acquireModule(config.modulePath);
    const slot = pkcs11.C_GetSlotList(true).find((s) => pkcs11.C_GetTokenInfo(s).label.trim() === "pkcs11-objects")!;
    session = pkcs11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
  });
  after(async () => {
    if (session) pkcs11.C_CloseSession(session);
    await keys?.close();
    if (pkcs11) releaseModule(config.modulePath);
  });

  function findByLabel(objectClass: number, label: string): Buffer {
    pkcs11.C_FindObjectsInit(session, [
      { type: pkcs11js.CKA_CLASS, value: objectClass },
      { type: pkcs11js.CKA_LABEL, value: label },
    ]);
    const [handle] = pkcs11.C_FindObjects(session, 1);
    pkcs11.C_FindObjectsFinal(session);
    expect(handle, label).to.exist;
    return handle!;
  }

  function objectsLabelled(objectClass: number, label: string): Buffer[] {
    pkcs11.C_FindObjectsInit(session, [
      { type: pkcs11js.CKA_CLASS, value: objectClass },
      { type: pkcs11js.CKA_LABEL, value: label },
    ]);
    const handles = pkcs11.C_FindObjects(session, 16);
    pkcs11.C_FindObjectsFinal(session);
    return handles;
  }

  /** The session copies (not token objects) of the KEK under `label`. */
  function sessionCopies(label: string): Buffer[] {
    return objectsLabelled(pkcs11js.CKO_SECRET_KEY, label).filter((handle) => !flags(handle, [pkcs11js.CKA_TOKEN])[0]);
  }

  /** Runs `use` with a provider of its own on the token, closed afterwards. */
  async function withProvider(options: Partial<Pkcs11Config>, use: (provider: KeyProvider) => Promise<void>): Promise<void> {
    const provider = await openPkcs11Provider({ ...config, ...options });
    try {
      await use(provider);
    } finally {
      await provider.close();
    }
  }

  function flags(handle: Buffer, types: number[]): boolean[] {
    return pkcs11.C_GetAttributeValue(session, handle, types.map((type) => ({ type }))).map((a) => a.value[0] === 1);
  }

  function expectValueUnreadable(handle: Buffer, type: number): void {
    expect(() => pkcs11.C_GetAttributeValue(session, handle, [{ type }])).to.throw(/CKR_ATTRIBUTE_SENSITIVE/);
  }

  it("keeps a KEK sensitive, non-extractable and for encryption only", async () => {
    const kekId = randomUUID();
    await keys.createKek(kekId);
    const kek = findByLabel(pkcs11js.CKO_SECRET_KEY, `keyledger:kek:${kekId}`);
    const { CKA_TOKEN, CKA_SENSITIVE, CKA_EXTRACTABLE, CKA_ENCRYPT, CKA_DECRYPT, CKA_WRAP, CKA_UNWRAP, CKA_SIGN, CKA_DERIVE } = pkcs11js;
    expect(flags(kek, [CKA_TOKEN, CKA_SENSITIVE, CKA_EXTRACTABLE, CKA_ENCRYPT, CKA_DECRYPT, CKA_WRAP, CKA_UNWRAP, CKA_SIGN, CKA_DERIVE]))
      .to.deep.equal([true, true, false, true, true, false, false, false, false]);
    expectValueUnreadable(kek, pkcs11js.CKA_VALUE);
  });

  it("unwraps with a session copy of the KEK that is as sensitive and non-extractable, and leaves none behind when closed", async () => {
    const kekId = randomUUID();
    const label = `keyledger:kek:${kekId}`;
    await withProvider({}, async (provider) => {
      await provider.createKek(kekId);
      const dataKey = randomBytes(32);
      const wrapped = await provider.wrapDataKey(kekId, dataKey, Buffer.from("ctx"));
      expect(Buffer.from(await provider.unwrapDataKey(kekId, wrapped, Buffer.from("ctx")))).to.deep.equal(dataKey);
      const copies = sessionCopies(label);
      expect(copies).to.have.length(1);
      const { CKA_SENSITIVE, CKA_EXTRACTABLE, CKA_ENCRYPT, CKA_DECRYPT, CKA_WRAP, CKA_UNWRAP } = pkcs11js;
      expect(flags(copies[0]!, [CKA_SENSITIVE, CKA_EXTRACTABLE, CKA_ENCRYPT, CKA_DECRYPT, CKA_WRAP, CKA_UNWRAP]))
        .to.deep.equal([true, false, true, true, false, false]);
      expectValueUnreadable(copies[0]!, pkcs11js.CKA_VALUE);
    });
    expect(objectsLabelled(pkcs11js.CKO_SECRET_KEY, label)).to.have.length(1);
    await keys.destroyKek(kekId);
  });

  it("destroys a copy past its age when it makes the next one: a KEK used once leaves no copy behind", async () => {
    const maxAgeMs = 100;
    const [usedOnce, usedLater] = [randomUUID(), randomUUID()];
    const copiesOf = (kekId: string) => sessionCopies(`keyledger:kek:${kekId}`).length;
    await withProvider({ kekCopyMaxAgeMs: maxAgeMs }, async (provider) => {
      for (const kekId of [usedOnce, usedLater]) await provider.createKek(kekId);
      const context = Buffer.from("ctx");
      const wrappedOnce = await provider.wrapDataKey(usedOnce, randomBytes(32), context);
      const wrappedLater = await provider.wrapDataKey(usedLater, randomBytes(32), context);
      await provider.unwrapDataKey(usedOnce, wrappedOnce, context);
      expect(copiesOf(usedOnce)).to.equal(1);
      await new Promise((resolve) => setTimeout(resolve, maxAgeMs + 50));
      await provider.unwrapDataKey(usedLater, wrappedLater, context);
      expect(copiesOf(usedOnce)).to.equal(0);
      expect(copiesOf(usedLater)).to.equal(1);
    });
  });

  it("uses the token object itself when the module will not copy a KEK, and leaves it in place", async () => {
    const kekId = randomUUID();
    const label = `keyledger:kek:${kekId}`;
    // Made outside the provider, as an HSM's policy might: CKA_COPYABLE=false makes C_CopyObject refuse it.
    const rw = pkcs11.C_OpenSession(pkcs11.C_GetSessionInfo(session).slotID, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    try {
      pkcs11.C_GenerateKey(rw, { mechanism: pkcs11js.CKM_AES_KEY_GEN }, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY }, { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
        { type: pkcs11js.CKA_VALUE_LEN, value: 32 }, { type: pkcs11js.CKA_LABEL, value: label },
        { type: pkcs11js.CKA_TOKEN, value: true }, { type: pkcs11js.CKA_PRIVATE, value: true },
        { type: pkcs11js.CKA_SENSITIVE, value: true }, { type: pkcs11js.CKA_EXTRACTABLE, value: false },
        { type: pkcs11js.CKA_ENCRYPT, value: true }, { type: pkcs11js.CKA_DECRYPT, value: true },
        { type: pkcs11js.CKA_COPYABLE, value: false },
      ]);
    } finally {
      pkcs11.C_CloseSession(rw);
    }
    await withProvider({}, async (provider) => {
      const dataKey = randomBytes(32);
      const wrapped = await provider.wrapDataKey(kekId, dataKey, Buffer.from("ctx"));
      for (let i = 0; i < 2; i++) {
        expect(Buffer.from(await provider.unwrapDataKey(kekId, wrapped, Buffer.from("ctx")))).to.deep.equal(dataKey);
      }
      expect(objectsLabelled(pkcs11js.CKO_SECRET_KEY, label)).to.have.length(1);
    });
    expect(objectsLabelled(pkcs11js.CKO_SECRET_KEY, label)).to.have.length(1);
    await keys.destroyKek(kekId);
  });

  it("refuses to wrap under a KEK another process destroyed at once, and to unwrap once its copy here is older than the bound", async () => {
    const maxAgeMs = 300;
    await withProvider({ kekCopyMaxAgeMs: maxAgeMs }, async (provider) => {
      const kekId = randomUUID();
      await provider.createKek(kekId);
      const wrapped = await provider.wrapDataKey(kekId, randomBytes(32), Buffer.from("ctx"));
      await provider.unwrapDataKey(kekId, wrapped, Buffer.from("ctx"));

      execFileSync(process.execPath, ["--import", "tsx", fileURLToPath(new URL("./destroy-kek-in-another-process.ts", import.meta.url)), kekId],
        { env: { ...process.env, KEYLEDGER_TEST_PKCS11: JSON.stringify(config) }, stdio: "inherit" });
      expect(await provider.hasKek(kekId), "the token itself is asked").to.equal(false);
      const wrapping = await provider.wrapDataKey(kekId, randomBytes(32), Buffer.from("ctx")).then(() => undefined, (error: unknown) => error);
      expect(wrapping, "nothing new is sealed under it").to.be.instanceOf(KeyNotFound);
      await new Promise((resolve) => setTimeout(resolve, maxAgeMs + 50));
      const failure = await provider.unwrapDataKey(kekId, wrapped, Buffer.from("ctx")).then(() => undefined, (error: unknown) => error);
      expect(failure).to.be.instanceOf(KeyUnwrapFailed);
    });
  });

  it("keeps a private signing key sensitive and non-extractable", async () => {
    const keyId = randomUUID();
    await keys.createSigningKey(keyId);
    const privateKey = findByLabel(pkcs11js.CKO_PRIVATE_KEY, `keyledger:sign:${keyId}`);
    expect(flags(privateKey, [pkcs11js.CKA_TOKEN, pkcs11js.CKA_SENSITIVE, pkcs11js.CKA_EXTRACTABLE, pkcs11js.CKA_SIGN]))
      .to.deep.equal([true, true, false, true]);
    expectValueUnreadable(privateKey, pkcs11js.CKA_VALUE);
  });

  it("refuses to open with a wrong PIN, without echoing it", async () => {
    const error = await openPkcs11Provider({ ...config, pin: "wrong-pin-123" }).then(
      () => undefined,
      (reason: unknown) => reason as Error,
    );
    expect(error?.message).to.match(/CKR_PIN_INCORRECT/).and.not.include("wrong-pin-123");
  });
});
