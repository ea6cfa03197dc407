/** TOTP secrets at rest: sealed under a key-provider KEK, bound to their user (a copied seal does not open). */
import type { SealedValue } from "../../events/sealed-value.js";
import { openValue, sealValue } from "../keys/envelope.js";
import { KeyAlreadyExists, type KeyProvider } from "../keys/port.js";

const KEK_ID = "users-totp";

const bindingOf = (userId: string) => ({ vaultId: "user-totp-secret", secretId: userId, version: 1 });

async function ensureKek(keys: KeyProvider): Promise<void> {
  if (await keys.hasKek(KEK_ID)) return;
  // Another request or node may create it at the same moment.
  await keys.createKek(KEK_ID).catch((error: unknown) => { if (!(error instanceof KeyAlreadyExists)) throw error; });
}

export async function sealTotpSecret(keys: KeyProvider, userId: string, secret: Uint8Array): Promise<SealedValue> {
  await ensureKek(keys);
  return sealValue(keys, { ...bindingOf(userId), kekId: KEK_ID }, secret);
}

export async function openTotpSecret(keys: KeyProvider, userId: string, sealed: SealedValue): Promise<Uint8Array> {
  return openValue(keys, bindingOf(userId), sealed);
}
