/**
 * The software KeyProvider, the embedded default. A 256-bit master key lives in the key directory (mode
 * 0600); each KEK and each Ed25519 private key is a file there, encrypted under the master key with
 * AES-256-GCM and bound to its id, so destroying a key deletes its only copy (crypto-shredding). Every use
 * goes back to the file, so a key destroyed by another process is gone here too.
 * It protects keys at rest no better than the file system does: it is not an HSM.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";
import { decryptAesGcm, encryptAesGcm } from "./aes-gcm.js";
import { ed25519PublicJwk } from "./jwk.js";
import { KeyFiles } from "./key-files.js";
import {
  KeyAlreadyExists,
  KeyNotFound,
  KeyUnwrapFailed,
  type KeyProvider,
  type KeyProviderHealth,
  type PublicJwk,
} from "./port.js";
import { decodeWrappedKey, encodeWrappedKey } from "./wrapped-key.js";

export interface LocalKeyProviderConfig {
  /** Directory of the key store, created (mode 0700) when missing. */
  directory: string;
}

const MASTER_KEY_FILE = "master.key";
const KEY_BYTES = 32;

type KeyKind = "kek" | "sign";

/** A key's file name: the id in base64url, so no id can reach outside the directory. */
const fileName = (kind: KeyKind, keyId: string) => `${kind}-${Buffer.from(keyId).toString("base64url")}.key`;
/** The AAD of a key file: a file copied under another id or kind does not decrypt. */
const fileBinding = (kind: KeyKind, keyId: string) => Buffer.from(JSON.stringify(["keyledger/key-file/v1", kind, keyId]));

export async function openLocalKeyProvider(config: LocalKeyProviderConfig): Promise<KeyProvider> {
  const files = new KeyFiles(config.directory);
  await files.ensureDirectory();
  return new LocalKeyProvider(files, await loadOrCreateMasterKey(files));
}

async function loadOrCreateMasterKey(files: KeyFiles): Promise<Buffer> {
  const existing = await files.read(MASTER_KEY_FILE);
  if (existing) return checkedMasterKey(existing);
  const fresh = randomBytes(KEY_BYTES);
  if (await files.create(MASTER_KEY_FILE, fresh)) return fresh;
  // Another process created it first: use theirs.
  fresh.fill(0);
  return checkedMasterKey((await files.read(MASTER_KEY_FILE)) ?? Buffer.alloc(0));
}

function checkedMasterKey(bytes: Buffer): Buffer {
  if (bytes.length !== KEY_BYTES) throw new Error(`the local master key file is not ${KEY_BYTES} bytes long`);
  return bytes;
}

class LocalKeyProvider implements KeyProvider {
  readonly kind = "local";
  /** Importing an Ed25519 key costs ~0.5 ms, so imported keys are kept while their file is unchanged. */
  private readonly signingKeys = new Map<string, { file: string; privateKey: KeyObject }>();
  private closed = false;

  constructor(
    private readonly files: KeyFiles,
    private readonly masterKey: Buffer,
  ) {}

  async createKek(kekId: string): Promise<void> {
    const kek = randomBytes(KEY_BYTES);
    try {
      await this.storeKey("kek", kekId, kek);
    } finally {
      kek.fill(0);
    }
  }

  async destroyKek(kekId: string): Promise<void> {
    if (!(await this.files.remove(fileName("kek", kekId)))) throw new KeyNotFound(kekId);
  }

  async hasKek(kekId: string): Promise<boolean> {
    this.assertOpen();
    return (await this.files.read(fileName("kek", kekId))) !== undefined;
  }

  async wrapDataKey(kekId: string, dataKey: Uint8Array, context: Uint8Array): Promise<Uint8Array> {
    const kek = await this.readKey("kek", kekId);
    if (!kek) throw new KeyNotFound(kekId);
    try {
      return encodeWrappedKey(encryptAesGcm(kek, dataKey, context));
    } finally {
      kek.fill(0);
    }
  }

  async unwrapDataKey(kekId: string, wrapped: Uint8Array, context: Uint8Array): Promise<Uint8Array> {
    const kek = await this.readKey("kek", kekId);
    if (!kek) throw new KeyUnwrapFailed(kekId, { cause: new KeyNotFound(kekId) });
    try {
      const parts = decodeWrappedKey(wrapped);
      if (!parts) throw new Error("not a wrapped key");
      return new Uint8Array(decryptAesGcm(kek, parts, context));
    } catch (error) {
      throw new KeyUnwrapFailed(kekId, { cause: error });
    } finally {
      kek.fill(0);
    }
  }

  async createSigningKey(keyId: string): Promise<PublicJwk> {
    const { privateKey } = generateKeyPairSync("ed25519");
    const seed = Buffer.from(privateKey.export({ format: "jwk" }).d!, "base64url");
    try {
      await this.storeKey("sign", keyId, seed);
    } finally {
      seed.fill(0);
    }
    return publicJwkOf(keyId, privateKey);
  }

  async signingPublicKey(keyId: string): Promise<PublicJwk | undefined> {
    const privateKey = await this.loadSigningKey(keyId);
    return privateKey && publicJwkOf(keyId, privateKey);
  }

  async sign(keyId: string, data: Uint8Array): Promise<Uint8Array> {
    const privateKey = await this.loadSigningKey(keyId);
    if (!privateKey) throw new KeyNotFound(keyId);
    return new Uint8Array(sign(null, data, privateKey));
  }

  async destroySigningKey(keyId: string): Promise<void> {
    if (!(await this.files.remove(fileName("sign", keyId)))) throw new KeyNotFound(keyId);
  }

  async health(): Promise<KeyProviderHealth> {
    return {
      connected: !this.closed,
      description: "local (software key store in the data directory, not an HSM)",
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.signingKeys.clear();
    this.files.forgetKept();
    this.masterKey.fill(0);
  }

  private async storeKey(kind: KeyKind, keyId: string, key: Buffer): Promise<void> {
    this.assertOpen();
    const sealed = encryptAesGcm(this.masterKey, key, fileBinding(kind, keyId));
    if (!(await this.files.create(fileName(kind, keyId), encodeWrappedKey(sealed)))) throw new KeyAlreadyExists(keyId);
  }

  /** The key in its file, decrypted; undefined when there is no file. */
  private async readKey(kind: KeyKind, keyId: string): Promise<Buffer | undefined> {
    this.assertOpen();
    const stored = await this.files.readKept(fileName(kind, keyId));
    if (!stored) return undefined;
    const parts = decodeWrappedKey(stored);
    if (!parts) throw new Error(`the local key file of ${keyId} is damaged`);
    return decryptAesGcm(this.masterKey, parts, fileBinding(kind, keyId));
  }

  private async loadSigningKey(keyId: string): Promise<KeyObject | undefined> {
    this.assertOpen();
    const file = await this.files.identity(fileName("sign", keyId));
    const cached = this.signingKeys.get(keyId);
    if (file && cached?.file === file) return cached.privateKey;
    this.signingKeys.delete(keyId);
    const seed = file && (await this.readKey("sign", keyId));
    if (!seed) return undefined;
    try {
      const privateKey = ed25519PrivateKey(seed);
      this.signingKeys.set(keyId, { file, privateKey });
      return privateKey;
    } finally {
      seed.fill(0);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error("the key provider is closed");
  }
}

/** An Ed25519 private KeyObject from its 32-byte seed (PKCS#8 with the fixed RFC 8410 prefix). */
function ed25519PrivateKey(seed: Buffer): KeyObject {
  const pkcs8 = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), seed]);
  try {
    return createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" });
  } finally {
    pkcs8.fill(0);
  }
}

function publicJwkOf(keyId: string, privateKey: KeyObject): PublicJwk {
  const x = createPublicKey(privateKey).export({ format: "jwk" }).x!;
  return ed25519PublicJwk(keyId, Buffer.from(x, "base64url"));
}
