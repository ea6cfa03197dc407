/**
 * Opening a secret version's sealed value: the one way secrets and shares turn a version that
 * `readableVersion` (commands/secret.ts) allowed into its plaintext. Throws SealedValueUnreadable or
 * KeyNotFound when the value cannot be had (tampered, or its vault's KEK destroyed).
 */
import type { SecretVersionState } from "../../commands/secret.js";
import { openValue } from "../keys/envelope.js";
import type { KeyProvider } from "../keys/port.js";

export async function openSecretVersion(
  keys: KeyProvider, place: { vaultId: string; secretId: string }, version: Pick<SecretVersionState, "version" | "sealed">,
): Promise<string> {
  const plaintext = await openValue(keys, { ...place, version: version.version }, version.sealed);
  return Buffer.from(plaintext).toString("utf8");
}
