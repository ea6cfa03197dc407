/** The id of a vault name's reservation (derived from the name), and the key provider's id of a vault's KEK. */
import { nameBasedId } from "../ids/name-based-id.js";

/** The id of a vault name's reservation in an organisation (names compare case-insensitively). */
export const vaultNameId = (orgId: string, name: string) => nameBasedId("vault-name", orgId, name.toLowerCase());

/** The key provider's id of a vault's KEK. */
export const vaultKekId = (vaultId: string) => `vault-${vaultId}`;
