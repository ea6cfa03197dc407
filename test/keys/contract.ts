/**
 * The contract every KeyProvider passes. `store` opens providers on one persistent key store (a token, a
 * directory): the suite keeps one open throughout and opens others beside it to prove persistence.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { expect } from "chai";
import { compactVerify, importJWK } from "jose";
import { KeyAlreadyExists, KeyNotFound, KeyUnwrapFailed, type KeyProvider } from "../../src/keys/port.js";

export interface KeyStoreFixture {
  open(): Promise<KeyProvider>;
  /** What health().description must say. */
  description: RegExp;
  /** Strings that must never appear in health output (PINs). */
  secrets: string[];
}

export function keyProviderContract(store: () => KeyStoreFixture): void {
  let fixture: KeyStoreFixture;
  let keys: KeyProvider;

  before(async () => {
    fixture = store();
    keys = await fixture.open();
  });
  after(() => keys?.close());

  const newId = () => randomUUID();
  const context = Buffer.from("vault-1/secret-1/v1");

  async function newKek(): Promise<string> {
    const kekId = newId();
    await keys.createKek(kekId);
    return kekId;
  }

  async function expectRejection(promise: Promise<unknown>, type: new (...args: never[]) => Error): Promise<void> {
    const error = await promise.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error, `expected ${type.name}`).to.be.instanceOf(type);
  }

  async function verifiesWithJose(keyId: string, message: string): Promise<void> {
    const jwk = await keys.signingPublicKey(keyId);
    const signingInput = `${b64url(JSON.stringify({ alg: "EdDSA", kid: keyId }))}.${b64url(message)}`;
    const signature = await keys.sign(keyId, Buffer.from(signingInput));
    const verified = await compactVerify(`${signingInput}.${b64url(signature)}`, await importJWK(jwk!, "EdDSA"));
    expect(Buffer.from(verified.payload).toString()).to.equal(message);
  }

  describe("KEKs", () => {
    it("creates, finds and destroys a KEK", async () => {
      const kekId = newId();
      expect(await keys.hasKek(kekId)).to.equal(false);
      await keys.createKek(kekId);
      expect(await keys.hasKek(kekId)).to.equal(true);
      await keys.destroyKek(kekId);
      expect(await keys.hasKek(kekId)).to.equal(false);
    });

    it("refuses a second KEK under the same id", async () => {
      const kekId = await newKek();
      await expectRejection(keys.createKek(kekId), KeyAlreadyExists);
    });

    it("reports destroying a KEK that does not exist", () => expectRejection(keys.destroyKek(newId()), KeyNotFound));
  });

  describe("wrapping data keys", () => {
    it("unwraps what it wrapped, with a fresh IV each time", async () => {
      const kekId = await newKek();
      const dataKey = randomBytes(32);
      const first = await keys.wrapDataKey(kekId, dataKey, context);
      const second = await keys.wrapDataKey(kekId, dataKey, context);
      expect(Buffer.from(first).equals(Buffer.from(second))).to.equal(false);
      expect(Buffer.from(first).includes(dataKey)).to.equal(false);
      expect(Buffer.from(await keys.unwrapDataKey(kekId, first, context))).to.deep.equal(dataKey);
      expect(Buffer.from(await keys.unwrapDataKey(kekId, second, context))).to.deep.equal(dataKey);
    });

    it("refuses to wrap under a KEK that does not exist", () =>
      expectRejection(keys.wrapDataKey(newId(), randomBytes(32), context), KeyNotFound));

    it("fails to unwrap a wrapped key altered anywhere", async () => {
      const kekId = await newKek();
      const wrapped = Buffer.from(await keys.wrapDataKey(kekId, randomBytes(32), context));
      for (const index of [0, 1, 13, 20, wrapped.length - 1]) {
        const tampered = Buffer.from(wrapped);
        tampered[index]! ^= 0x01;
        await expectRejection(keys.unwrapDataKey(kekId, tampered, context), KeyUnwrapFailed);
      }
      await expectRejection(keys.unwrapDataKey(kekId, wrapped.subarray(0, wrapped.length - 1), context), KeyUnwrapFailed);
    });

    it("fails to unwrap under another context or another KEK", async () => {
      const kekId = await newKek();
      const wrapped = await keys.wrapDataKey(kekId, randomBytes(32), context);
      await expectRejection(keys.unwrapDataKey(kekId, wrapped, Buffer.from("vault-1/secret-2/v1")), KeyUnwrapFailed);
      await expectRejection(keys.unwrapDataKey(await newKek(), wrapped, context), KeyUnwrapFailed);
    });

    it("can no longer unwrap once the KEK is destroyed", async () => {
      const kekId = await newKek();
      const wrapped = await keys.wrapDataKey(kekId, randomBytes(32), context);
      await keys.destroyKek(kekId);
      await expectRejection(keys.unwrapDataKey(kekId, wrapped, context), KeyUnwrapFailed);
      await expectRejection(keys.wrapDataKey(kekId, randomBytes(32), context), KeyNotFound);
    });
  });

  describe("signing keys", () => {
    it("signs with Ed25519 under a public key that verifies independently", async () => {
      const keyId = newId();
      const created = await keys.createSigningKey(keyId);
      expect(created).to.include({ kty: "OKP", crv: "Ed25519", kid: keyId, alg: "EdDSA", use: "sig" });
      expect(Buffer.from(created.x, "base64url")).to.have.length(32);
      expect(await keys.signingPublicKey(keyId)).to.deep.equal(created);
      expect(await keys.sign(keyId, Buffer.from("data"))).to.have.length(64);
      await verifiesWithJose(keyId, "audit head 42");
    });

    it("refuses a second signing key under the same id", async () => {
      const keyId = newId();
      await keys.createSigningKey(keyId);
      await expectRejection(keys.createSigningKey(keyId), KeyAlreadyExists);
    });

    it("has no key under an unknown id", async () => {
      expect(await keys.signingPublicKey(newId())).to.equal(undefined);
      await expectRejection(keys.sign(newId(), Buffer.from("data")), KeyNotFound);
      await expectRejection(keys.destroySigningKey(newId()), KeyNotFound);
    });

    it("destroys a signing key", async () => {
      const keyId = newId();
      await keys.createSigningKey(keyId);
      await keys.sign(keyId, Buffer.from("warm the cache"));
      await keys.destroySigningKey(keyId);
      expect(await keys.signingPublicKey(keyId)).to.equal(undefined);
      await expectRejection(keys.sign(keyId, Buffer.from("data")), KeyNotFound);
    });
  });

  it("serves many wraps, unwraps and signatures at once", async () => {
    const kekId = await newKek();
    const keyId = newId();
    await keys.createSigningKey(keyId);
    const jwk = await keys.signingPublicKey(keyId);
    const publicKey = await importJWK(jwk!, "EdDSA");
    const dataKeys = Array.from({ length: 48 }, () => randomBytes(32));
    const results = await Promise.all(
      dataKeys.map(async (dataKey, index) => {
        const ownContext = Buffer.from(`context-${index}`);
        const wrapped = await keys.wrapDataKey(kekId, dataKey, ownContext);
        const [unwrapped, signature] = await Promise.all([
          keys.unwrapDataKey(kekId, wrapped, ownContext),
          keys.sign(keyId, ownContext),
        ]);
        const jws = `${b64url('{"alg":"EdDSA"}')}.${b64url(ownContext)}`;
        const token = `${jws}.${b64url(await keys.sign(keyId, Buffer.from(jws)))}`;
        await compactVerify(token, publicKey);
        return Buffer.from(unwrapped).equals(dataKey) && signature.length === 64;
      }),
    );
    expect(results.every(Boolean)).to.equal(true);
  });

  it("keeps its keys across a restart", async () => {
    const kekId = newId();
    const keyId = newId();
    const dataKey = randomBytes(32);
    const before = await fixture.open();
    await before.createKek(kekId);
    const wrapped = await before.wrapDataKey(kekId, dataKey, context);
    const publicKey = await before.createSigningKey(keyId);
    await before.close();

    const after = await fixture.open();
    try {
      expect(Buffer.from(await after.unwrapDataKey(kekId, wrapped, context))).to.deep.equal(dataKey);
      expect(await after.signingPublicKey(keyId)).to.deep.equal(publicKey);
      await verifiesWithJose(keyId, "signed after the restart");
    } finally {
      await after.close();
    }
  });

  it("stops using keys that another provider on the same store destroyed", async () => {
    const kekId = await newKek();
    const keyId = newId();
    await keys.createSigningKey(keyId);
    const wrapped = await keys.wrapDataKey(kekId, randomBytes(32), context);
    await keys.sign(keyId, Buffer.from("warm the cache"));
    const other = await fixture.open();
    try {
      await other.destroyKek(kekId);
      await other.destroySigningKey(keyId);
    } finally {
      await other.close();
    }
    await expectRejection(keys.unwrapDataKey(kekId, wrapped, context), KeyUnwrapFailed);
    await expectRejection(keys.sign(keyId, Buffer.from("data")), KeyNotFound);
  });

  it("reports its health without secrets", async () => {
    const health = await keys.health();
    expect(health.connected).to.equal(true);
    expect(health.description).to.match(fixture.description);
    for (const secret of fixture.secrets) expect(health.description).not.to.include(secret);
  });
}

function b64url(data: string | Uint8Array): string {
  return Buffer.from(data).toString("base64url");
}
