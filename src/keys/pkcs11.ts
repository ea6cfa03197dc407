/**
 * The KeyProvider over a PKCS#11 library (any HSM; SoftHSM2 in development and CI).
 *
 * KEKs are AES-256 token objects that are sensitive and non-extractable: a data key is wrapped by encrypting it
 * inside the module with AES-GCM (fresh IV, the context as AAD). Wrapping uses the token object, unwrapping a
 * session copy of it kept for at most a second (kek-copies.ts: why, and the bound). Signing keys are Ed25519 key
 * pairs on the token. Wrapping and unwrapping a data key are synchronous calls: the module does them in
 * microseconds, and handing them to a libuv worker thread cost more than the work (a fifth of an audited read's
 * CPU on SoftHSM, issue 12). Signing, which takes a third of a millisecond and is not on a request's path, runs on
 * a worker thread.
 */
import { randomBytes } from "node:crypto";
import pkcs11js from "pkcs11js";
import { GCM_IV_BYTES, GCM_TAG_BYTES } from "./aes-gcm.js";
import { ed25519PublicJwk } from "./jwk.js";
import { findObjects, isStaleHandle, KekCopies } from "./kek-copies.js";
import { acquireModule, loginUser, logoutUser, releaseModule } from "./pkcs11-module.js";
import {
  KeyAlreadyExists,
  KeyNotFound,
  KeyUnwrapFailed,
  type KeyProvider,
  type KeyProviderHealth,
  type PublicJwk,
} from "./port.js";
import { SessionPool } from "./session-pool.js";
import { decodeWrappedKey, encodeWrappedKey } from "./wrapped-key.js";

export interface Pkcs11Config {
  /** Path of the PKCS#11 library, e.g. /usr/lib/softhsm/libsofthsm2.so. */
  modulePath: string;
  /** The token by label, or by index in the list of slots that hold a token. */
  token: { label: string } | { slotIndex: number };
  /** The user PIN. */
  pin: string;
  /** Sessions kept open for concurrent operations (default 4). */
  sessions?: number;
  /** How long a session copy of a KEK is used (default KEK_COPY_MAX_AGE_MS, 1 s); shorter in tests of the bound. */
  kekCopyMaxAgeMs?: number;
}

// PKCS#11 3.0 Edwards-curve constants, which pkcs11js does not export.
const CKK_EC_EDWARDS = 0x40;
const CKM_EC_EDWARDS_KEY_PAIR_GEN = 0x1055;
const CKM_EDDSA = 0x1057;
/** DER of the OID 1.3.101.112 (id-Ed25519). */
const ED25519_EC_PARAMS = Buffer.from("06032b6570", "hex");
const ED25519_SIGNATURE_BYTES = 64;

type Handle = Buffer;

const kekLabel = (kekId: string) => `keyledger:kek:${kekId}`;
const signingLabel = (keyId: string) => `keyledger:sign:${keyId}`;

export async function openPkcs11Provider(config: Pkcs11Config): Promise<KeyProvider> {
  const pkcs11 = acquireModule(config.modulePath);
  let slot: Buffer;
  let sessions: Buffer[] = [];
  try {
    slot = findSlot(pkcs11, config.token);
    const open = () => pkcs11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    // One more than the pool's: the session that holds the KEKs' copies.
    sessions = Array.from({ length: Math.max(1, config.sessions ?? 4) + 1 }, open);
    loginUser(config.modulePath, slot, sessions[0]!, config.pin);
    const kekCopies = new KekCopies(pkcs11, sessions.pop()!, config.kekCopyMaxAgeMs);
    const pool = new SessionPool(sessions, open, (s) => pkcs11.C_CloseSession(s));
    return new Pkcs11KeyProvider(config.modulePath, pkcs11, slot, pool, kekCopies);
  } catch (error) {
    for (const session of sessions) pkcs11.C_CloseSession(session);
    releaseModule(config.modulePath);
    throw new Error(`could not open PKCS#11 token ${describeToken(config.token)}: ${messageOf(error)}`, { cause: error });
  }
}

class Pkcs11KeyProvider implements KeyProvider {
  readonly kind = "pkcs11";
  private readonly handles = new Map<string, Handle>();
  private closed = false;

  constructor(
    private readonly modulePath: string,
    private readonly pkcs11: pkcs11js.PKCS11,
    private readonly slot: Buffer,
    private readonly pool: SessionPool,
    private readonly kekCopies: KekCopies,
  ) {}

  createKek(kekId: string): Promise<void> {
    return this.pool.use((session) => {
      // Look-up and generation are synchronous, so no other call in this process can slip in between.
      if (this.findTokenKek(session, kekId)) throw new KeyAlreadyExists(kekId);
      this.pkcs11.C_GenerateKey(session, { mechanism: pkcs11js.CKM_AES_KEY_GEN }, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
        { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
        { type: pkcs11js.CKA_VALUE_LEN, value: 32 },
        { type: pkcs11js.CKA_LABEL, value: kekLabel(kekId) },
        { type: pkcs11js.CKA_ID, value: Buffer.from(kekId) },
        { type: pkcs11js.CKA_TOKEN, value: true },
        { type: pkcs11js.CKA_PRIVATE, value: true },
        { type: pkcs11js.CKA_SENSITIVE, value: true },
        { type: pkcs11js.CKA_EXTRACTABLE, value: false },
        { type: pkcs11js.CKA_ENCRYPT, value: true },
        { type: pkcs11js.CKA_DECRYPT, value: true },
        { type: pkcs11js.CKA_WRAP, value: false },
        { type: pkcs11js.CKA_UNWRAP, value: false },
        { type: pkcs11js.CKA_SIGN, value: false },
        { type: pkcs11js.CKA_VERIFY, value: false },
        { type: pkcs11js.CKA_DERIVE, value: false },
      ]);
    });
  }

  /** Destroys the token object and every copy of it in this process (other processes drop theirs within their bound). */
  async destroyKek(kekId: string): Promise<void> {
    await this.destroyObjects(kekId, [{ objectClass: pkcs11js.CKO_SECRET_KEY, label: kekLabel(kekId) }]);
    this.kekCopies.forget(kekLabel(kekId));
  }

  /** Whether the token holds the KEK (a copy still kept here of one another process destroyed does not count). */
  hasKek(kekId: string): Promise<boolean> {
    return this.pool.use((session) => this.findTokenKek(session, kekId) !== undefined);
  }

  wrapDataKey(kekId: string, dataKey: Uint8Array, context: Uint8Array): Promise<Uint8Array> {
    const iv = randomBytes(GCM_IV_BYTES);
    // With the token object, never a copy: nothing new is sealed under a KEK another process has destroyed.
    return this.withKey(pkcs11js.CKO_SECRET_KEY, kekLabel(kekId), kekId, async (session, kek) => {
      this.pkcs11.C_EncryptInit(session, gcm(iv, context), kek);
      const output = Buffer.alloc(dataKey.length + GCM_TAG_BYTES);
      const sealed = this.pkcs11.C_Encrypt(session, bufferView(dataKey), output);
      const ciphertext = sealed.subarray(0, sealed.length - GCM_TAG_BYTES);
      return encodeWrappedKey({ iv, ciphertext, tag: sealed.subarray(sealed.length - GCM_TAG_BYTES) });
    });
  }

  async unwrapDataKey(kekId: string, wrapped: Uint8Array, context: Uint8Array): Promise<Uint8Array> {
    const parts = decodeWrappedKey(wrapped);
    if (!parts) throw new KeyUnwrapFailed(kekId);
    try {
      return await this.withKek(kekId, (session, kek) => {
        this.pkcs11.C_DecryptInit(session, gcm(parts.iv, context), kek);
        const input = Buffer.concat([parts.ciphertext, parts.tag]);
        // Sized to the whole input: some modules ask for room for the tag even though they strip it.
        const plain = this.pkcs11.C_Decrypt(session, input, Buffer.alloc(input.length));
        return Uint8Array.from(plain);
      });
    } catch (error) {
      // Modules report a failed GCM tag check variously (SoftHSM2: CKR_GENERAL_ERROR), so any module error
      // here counts as a failed unwrap; a closed provider does not.
      if (error instanceof KeyNotFound || error instanceof pkcs11js.NativeError) throw new KeyUnwrapFailed(kekId, { cause: error });
      throw error;
    }
  }

  createSigningKey(keyId: string): Promise<PublicJwk> {
    return this.pool.use((session) => {
      const label = signingLabel(keyId);
      if (this.findObject(session, pkcs11js.CKO_PRIVATE_KEY, label)) throw new KeyAlreadyExists(keyId);
      const common = [
        { type: pkcs11js.CKA_LABEL, value: label },
        { type: pkcs11js.CKA_ID, value: Buffer.from(keyId) },
        { type: pkcs11js.CKA_TOKEN, value: true },
        { type: pkcs11js.CKA_KEY_TYPE, value: CKK_EC_EDWARDS },
      ];
      const pair = this.pkcs11.C_GenerateKeyPair(
        session,
        { mechanism: CKM_EC_EDWARDS_KEY_PAIR_GEN },
        [...common, { type: pkcs11js.CKA_EC_PARAMS, value: ED25519_EC_PARAMS }, { type: pkcs11js.CKA_VERIFY, value: true }],
        [
          ...common,
          { type: pkcs11js.CKA_PRIVATE, value: true },
          { type: pkcs11js.CKA_SENSITIVE, value: true },
          { type: pkcs11js.CKA_EXTRACTABLE, value: false },
          { type: pkcs11js.CKA_SIGN, value: true },
        ],
      );
      this.handles.set(label, pair.privateKey);
      return this.publicJwkOf(session, keyId, pair.publicKey);
    });
  }

  signingPublicKey(keyId: string): Promise<PublicJwk | undefined> {
    return this.pool.use((session) => {
      const publicKey = this.findObject(session, pkcs11js.CKO_PUBLIC_KEY, signingLabel(keyId));
      return publicKey && this.publicJwkOf(session, keyId, publicKey);
    });
  }

  sign(keyId: string, data: Uint8Array): Promise<Uint8Array> {
    return this.withKey(pkcs11js.CKO_PRIVATE_KEY, signingLabel(keyId), keyId, async (session, privateKey) => {
      this.pkcs11.C_SignInit(session, { mechanism: CKM_EDDSA }, privateKey);
      const signature = await this.pkcs11.C_SignAsync(session, bufferView(data), Buffer.alloc(ED25519_SIGNATURE_BYTES));
      return Uint8Array.from(signature);
    });
  }

  destroySigningKey(keyId: string): Promise<void> {
    const label = signingLabel(keyId);
    return this.destroyObjects(keyId, [
      { objectClass: pkcs11js.CKO_PRIVATE_KEY, label },
      { objectClass: pkcs11js.CKO_PUBLIC_KEY, label },
    ]);
  }

  async health(): Promise<KeyProviderHealth> {
    if (this.closed) return { connected: false, description: "pkcs11 (closed)" };
    try {
      const library = this.pkcs11.C_GetInfo();
      const token = this.pkcs11.C_GetTokenInfo(this.slot);
      const version = `${library.libraryVersion.major}.${library.libraryVersion.minor}`;
      return {
        connected: true,
        description: `pkcs11:${library.manufacturerID.trim()} ${version} (${library.libraryDescription.trim()}) / token ${token.label.trim()} (${token.model.trim()})`,
      };
    } catch (error) {
      return { connected: false, description: `pkcs11: ${messageOf(error)}` };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const sessions = await this.pool.drain();
    this.kekCopies.close();
    logoutUser(this.modulePath, this.slot, sessions[0]!);
    for (const session of sessions) this.pkcs11.C_CloseSession(session);
    this.handles.clear();
    releaseModule(this.modulePath);
  }

  /**
   * Runs `operation` with this process's copy of a KEK. The copy goes stale when another provider in this
   * process destroyed the KEK; then the token is asked once more.
   */
  private withKek<T>(kekId: string, operation: (session: Handle, kek: Handle) => T): Promise<T> {
    const label = kekLabel(kekId);
    return this.pool.use((session) => {
      for (let attempt = 1; ; attempt++) {
        const kek = this.kekCopies.handle(label);
        if (!kek) throw new KeyNotFound(kekId);
        try {
          return operation(session, kek);
        } catch (error) {
          if (attempt > 1 || !isStaleHandle(error)) throw error;
          this.kekCopies.forget(label);
        }
      }
    });
  }

  /**
   * Runs `operation` with the cached handle of a token key (a signing key, or a KEK to wrap with). A handle goes
   * stale when another provider or process destroyed the object; then it is looked up once more.
   */
  private withKey<T>(objectClass: number, label: string, keyId: string, operation: (session: Handle, key: Handle) => Promise<T>): Promise<T> {
    return this.pool.use(async (session) => {
      const cached = this.handles.get(label);
      if (cached) {
        try {
          return await operation(session, cached);
        } catch (error) {
          if (!isStaleHandle(error)) throw error;
          this.handles.delete(label);
        }
      }
      const handle = this.findObject(session, objectClass, label);
      if (!handle) throw new KeyNotFound(keyId);
      this.handles.set(label, handle);
      return operation(session, handle);
    });
  }

  private destroyObjects(keyId: string, objects: Array<{ objectClass: number; label: string }>): Promise<void> {
    return this.pool.use((session) => {
      const found = objects.flatMap(({ objectClass, label }) => this.findObjects(session, objectClass, label));
      if (found.length === 0) throw new KeyNotFound(keyId);
      for (const { label } of objects) this.handles.delete(label);
      for (const handle of found) this.pkcs11.C_DestroyObject(session, handle);
    });
  }

  private findTokenKek(session: Handle, kekId: string): Handle | undefined {
    return this.findObject(session, pkcs11js.CKO_SECRET_KEY, kekLabel(kekId));
  }

  /** The token object of a class under a label (a KEK's session copies are not token objects). */
  private findObject(session: Handle, objectClass: number, label: string): Handle | undefined {
    return findObjects(this.pkcs11, session, objectClass, label, { tokenOnly: true })[0];
  }

  /** Token objects and this process's session objects: what destroying a key must reach. */
  private findObjects(session: Handle, objectClass: number, label: string): Handle[] {
    return findObjects(this.pkcs11, session, objectClass, label);
  }

  private publicJwkOf(session: Handle, keyId: string, publicKey: Handle): PublicJwk {
    const [point] = this.pkcs11.C_GetAttributeValue(session, publicKey, [{ type: pkcs11js.CKA_EC_POINT }]);
    return ed25519PublicJwk(keyId, rawEdwardsPoint(point!.value));
  }
}

function findSlot(pkcs11: pkcs11js.PKCS11, token: Pkcs11Config["token"]): Buffer {
  const slots = pkcs11.C_GetSlotList(true);
  if ("slotIndex" in token) {
    const slot = slots[token.slotIndex];
    if (!slot) throw new Error(`there are ${slots.length} slots with a token`);
    return slot;
  }
  const slot = slots.find((candidate) => pkcs11.C_GetTokenInfo(candidate).label.trim() === token.label);
  if (!slot) {
    // SoftHSM, for one, only sees the tokens that existed when the library was initialized.
    throw new Error("no such token (was it created after the library was initialized in this process?)");
  }
  return slot;
}

function gcm(iv: Buffer, aad: Uint8Array): pkcs11js.Mechanism {
  // The v2.40 structure carries ulIvBits, which SoftHSM2 and current HSMs expect.
  const parameter: pkcs11js.AesGCM = {
    type: pkcs11js.CK_PARAMS_AES_GCM_v240,
    iv,
    ivBits: iv.length * 8,
    aad: bufferView(aad),
    tagBits: GCM_TAG_BYTES * 8,
  };
  return { mechanism: pkcs11js.CKM_AES_GCM, parameter };
}

/** CKA_EC_POINT of an Edwards key: the 32 raw bytes, often wrapped in a DER OCTET STRING (04 20 ...). */
function rawEdwardsPoint(point: Buffer): Buffer {
  if (point.length === 34 && point[0] === 0x04 && point[1] === 0x20) return point.subarray(2);
  return point;
}

function bufferView(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function describeToken(token: Pkcs11Config["token"]): string {
  return "label" in token ? `"${token.label}"` : `at slot index ${token.slotIndex}`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
