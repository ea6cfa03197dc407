/** A secret's id, derived from (vault, path), so that concurrent first writes meet on one stream. */
import { digestId } from "../vaults/streams.js";

export const secretIdFor = (vaultId: string, path: string) => digestId("secret", vaultId, path);
