/**
 * The Keyledger SDK (`keyledger/sdk`), call-compatible with `@1claw/sdk`: `createClient`, the resources and
 * `OneclawResponse<T>` answers. It speaks HTTP only; importing it loads nothing of the server.
 */
export { createClient, KeyledgerClient, KeyledgerClient as OneclawClient } from "./client.js";
export type { ClientConfig, ClientConfig as OneclawClientConfig, FetchInit, FetchLike, FetchResponse } from "./http.js";
export { AccessResource, type GrantOptions, type Permission } from "./resources/access.js";
export {
  AgentsResource, type ReadTransactionOptions, type SubmitTransactionOptions,
} from "./resources/agents.js";
export { ApiKeysResource } from "./resources/api-keys.js";
export { AuditResource } from "./resources/audit.js";
export { AuthResource } from "./resources/auth.js";
export { BillingResource } from "./resources/billing.js";
export { ChainsResource } from "./resources/chains.js";
export { DeviceLoginResource } from "./resources/device-login.js";
export { OrgResource } from "./resources/org.js";
export { SecretsResource, type SetSecretOptions } from "./resources/secrets.js";
export { SharingResource } from "./resources/sharing.js";
export { VaultsResource } from "./resources/vaults.js";
export { apiErrorFrom } from "./errors.js";
export {
  CMEK_KEY_BYTES, CmekDecryptionFailed, cmekFingerprint, decryptCmek, decryptCmekText, encryptCmek, generateCmekKey,
} from "./cmek.js";
export type * from "./types.js";
