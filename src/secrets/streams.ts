/** Where a secret's aggregates live: ids derived from (vault, path), so concurrent first writes meet. */
import { streamName } from "../eventstore/port.js";
import { digestId } from "../vaults/streams.js";

export const secretIdFor = (vaultId: string, path: string) => digestId("secret", vaultId, path);
export const secretStream = (secretId: string) => streamName("secret", secretId);
export const secretReadsStream = (secretId: string) => streamName("secret_reads", secretId);
