import { randomUUID } from "node:crypto";
import { expect } from "chai";
import pkcs11js from "pkcs11js";
import { openPkcs11Provider, type Pkcs11Config } from "../../src/keys/pkcs11.js";
import { acquireModule, releaseModule } from "../../src/keys/pkcs11-module.js";
import type { KeyProvider } from "../../src/keys/port.js";
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
