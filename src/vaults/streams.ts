/** Ids derived from names (name-based UUIDs), and the key provider's id of a vault's KEK. */
import { createHash } from "node:crypto";

/**
 * A name-based UUID (version 5 layout, SHA-256 digest), so that ids derived from names and paths are valid
 * UUIDs everywhere (event schemas, uuid columns) and stream names hold neither the name nor the path.
 */
export function digestId(...parts: string[]): string {
  const hex = createHash("sha256").update(JSON.stringify(parts)).digest("hex");
  const variant = (8 | (parseInt(hex[16], 16) & 3)).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The id of a vault name's reservation in an organisation (names compare case-insensitively). */
export const vaultNameId = (orgId: string, name: string) => digestId("vault-name", orgId, name.toLowerCase());

/** The key provider's id of a vault's KEK. */
export const vaultKekId = (vaultId: string) => `vault-${vaultId}`;
