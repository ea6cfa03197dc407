/** A secret's id, derived from (vault, path), so that concurrent first writes meet on one stream. */
import { nameBasedId } from "../ids/name-based-id.js";

export const secretIdFor = (vaultId: string, path: string) => nameBasedId("secret", vaultId, path);
