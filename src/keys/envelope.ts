/**
 * Envelope encryption of secret values. Each secret version gets a fresh 256-bit data key (DEK) that
 * encrypts the value with AES-256-GCM; the DEK is wrapped by the vault's KEK in the key provider. Both
 * layers authenticate the value's place (vault, secret, version), so a ciphertext copied to another
 * secret or version does not decrypt.
 */
import { randomBytes } from "node:crypto";
import { SEALED_VALUE_ALGORITHM, type SealedValue } from "../../events/sealed-value.js";
import { decryptAesGcm, encryptAesGcm } from "./aes-gcm.js";
import { KeyUnwrapFailed, type KeyProvider } from "./port.js";

/** Where a value belongs. */
export interface SecretBinding {
  vaultId: string;
  secretId: string;
  version: number;
}

/** Where a value belongs, and the KEK of its vault. */
export interface SealTarget extends SecretBinding {
  kekId: string;
}

export { SEALED_VALUE_ALGORITHM, type SealedValue } from "../../events/sealed-value.js";

/** The value could not be decrypted: tampered, moved to another place, or its KEK is destroyed. */
export class SealedValueUnreadable extends Error {
  constructor(binding: SecretBinding, options?: { cause?: unknown }) {
    super(`the value of secret ${binding.secretId} version ${binding.version} cannot be decrypted`, options);
    this.name = "SealedValueUnreadable";
  }
}

export async function sealValue(keys: KeyProvider, target: SealTarget, plaintext: Uint8Array): Promise<SealedValue> {
  const binding = bindingBytes(target);
  const dataKey = randomBytes(32);
  try {
    const sealed = encryptAesGcm(dataKey, plaintext, binding);
    const wrappedKey = await keys.wrapDataKey(target.kekId, dataKey, binding);
    return {
      alg: SEALED_VALUE_ALGORITHM,
      kekId: target.kekId,
      wrappedKey: Buffer.from(wrappedKey).toString("base64"),
      iv: sealed.iv.toString("base64"),
      ciphertext: sealed.ciphertext.toString("base64"),
      tag: sealed.tag.toString("base64"),
    };
  } finally {
    dataKey.fill(0);
  }
}

/** The plaintext of a sealed value; throws SealedValueUnreadable when it cannot be had. */
export async function openValue(keys: KeyProvider, binding: SecretBinding, sealed: SealedValue): Promise<Uint8Array> {
  if (sealed.alg !== SEALED_VALUE_ALGORITHM) throw new SealedValueUnreadable(binding);
  const aad = bindingBytes(binding);
  const dataKey = await unwrap(keys, binding, sealed, aad);
  try {
    const parts = {
      iv: Buffer.from(sealed.iv, "base64"),
      ciphertext: Buffer.from(sealed.ciphertext, "base64"),
      tag: Buffer.from(sealed.tag, "base64"),
    };
    return new Uint8Array(decryptAesGcm(dataKey, parts, aad));
  } catch (error) {
    throw new SealedValueUnreadable(binding, { cause: error });
  } finally {
    dataKey.fill(0);
  }
}

/** The DEK; an unavailable provider is not an unreadable value, so only KeyUnwrapFailed is translated. */
async function unwrap(keys: KeyProvider, binding: SecretBinding, sealed: SealedValue, aad: Buffer): Promise<Uint8Array> {
  try {
    return await keys.unwrapDataKey(sealed.kekId, Buffer.from(sealed.wrappedKey, "base64"), aad);
  } catch (error) {
    if (error instanceof KeyUnwrapFailed) throw new SealedValueUnreadable(binding, { cause: error });
    throw error;
  }
}

/** A canonical, unambiguous encoding of the binding (a JSON array of fixed shape). */
function bindingBytes({ vaultId, secretId, version }: SecretBinding): Buffer {
  return Buffer.from(JSON.stringify(["keyledger/secret-value/v1", vaultId, secretId, version]));
}
