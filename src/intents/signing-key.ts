/**
 * The signing key of an Intents API transaction: a `private_key` secret at `signing_key_path` (default
 * `keys/{chain}-signer`) in a vault the agent may read by policy. The agent never receives it: the key is
 * opened inside the server, its read is in the audit log before it is opened at all (fail closed), and its
 * bytes exist only for the call that uses them and are zeroed afterwards.
 */
import { Invalid, NotFound } from "../../commands/errors.js";
import { secretReadsAggregate } from "../../commands/secret-reads.js";
import { readableVersion, secretAggregate, SecretGone, type SecretVersionState } from "../../commands/secret.js";
import { SecretValueRead } from "../../events/secret.js";
import { authorize } from "../access/authorize.js";
import type { AgentView } from "../agents/queries.js";
import { loadAggregate } from "../app/aggregates.js";
import type { Services } from "../app/services.js";
import type { AgentPrincipal } from "../auth/principal.js";
import type { EventMetadata } from "../eventstore/port.js";
import { openValue } from "../keys/envelope.js";
import { listVaultSecrets } from "../secrets/queries.js";
import { ReadNotAudited } from "../secrets/service.js";
import { secretIdFor } from "../secrets/streams.js";
import { listOrgVaults } from "../vaults/queries.js";
import { addressOfKey } from "./signer.js";

export class SigningKeyNotFound extends NotFound {
  constructor(path: string) {
    super(`no signing key at ${path} in a vault the agent can reach; store a private_key secret there and grant the agent read on it`);
    this.name = "SigningKeyNotFound";
  }
}

/** The secret is there but is not a usable key; the message never quotes any part of the value. */
export class SigningKeyInvalid extends Invalid {
  constructor(path: string, reason: string) {
    super(`the secret at ${path} is not a usable signing key: ${reason}`);
    this.name = "SigningKeyInvalid";
  }
}

export const defaultSigningKeyPath = (chainName: string) => `keys/${chainName}-signer`;

/** The agent as the principal whose policies decide, whoever (the agent or its human) made the request. */
export function agentPrincipal(agent: AgentView): AgentPrincipal {
  return { type: "agent", id: agent.id, orgId: agent.orgId, credential: "jwt", scopes: agent.scopes, vaultIds: agent.vaultIds,
    intentsApiEnabled: agent.intentsApiEnabled };
}

/** A key found, authorised and audited: its address is known, and `use` lends its bytes to one call. */
export interface SigningKey {
  vaultId: string;
  secretId: string;
  path: string;
  version: number;
  address: string;
  use<T>(fn: (key: Uint8Array) => T): Promise<T>;
}

type KeyServices = Pick<Services, "db" | "bus" | "store" | "keys" | "clock">;

/** 32 bytes from the value (64 hex digits, optionally 0x-prefixed, surrounding whitespace ignored). */
function keyBytes(plaintext: Uint8Array, path: string): Uint8Array {
  // Read the hex in place: turning the value into a string would leave a copy we cannot zero.
  let start = 0;
  let end = plaintext.length;
  const space = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
  while (start < end && space(plaintext[start])) start++;
  while (end > start && space(plaintext[end - 1])) end--;
  if (end - start >= 2 && plaintext[start] === 0x30 && (plaintext[start + 1] | 0x20) === 0x78) start += 2;
  if (end - start !== 64) throw new SigningKeyInvalid(path, "expected 32 bytes as 64 hex digits");
  const key = new Uint8Array(32);
  const nibble = (b: number) => (b >= 0x30 && b <= 0x39 ? b - 0x30 : (b | 0x20) >= 0x61 && (b | 0x20) <= 0x66 ? (b | 0x20) - 0x57 : -1);
  for (let i = 0; i < 32; i++) {
    const hi = nibble(plaintext[start + 2 * i]);
    const lo = nibble(plaintext[start + 2 * i + 1]);
    if (hi < 0 || lo < 0) { key.fill(0); throw new SigningKeyInvalid(path, "expected 32 bytes as 64 hex digits"); }
    key[i] = (hi << 4) | lo;
  }
  return key;
}

async function lend<T>(services: KeyServices, place: { vaultId: string; secretId: string; path: string },
  version: SecretVersionState, fn: (key: Uint8Array) => T): Promise<T> {
  const plaintext = await openValue(services.keys, { vaultId: place.vaultId, secretId: place.secretId, version: version.version },
    version.sealed);
  let key: Uint8Array | undefined;
  try {
    key = keyBytes(plaintext, place.path);
    return fn(key);
  } finally {
    plaintext.fill(0);
    key?.fill(0);
  }
}

/**
 * Finds the key the agent may read at `path` (its bound vaults, else the organisation's vaults, oldest
 * first), records the read, and derives its address. Throws SigningKeyNotFound, AccessDenied (a key the
 * agent has no policy for), SecretGone, SigningKeyInvalid.
 */
export async function openSigningKey(
  services: KeyServices, agent: AgentView, path: string, request: { ip: string; metadata: EventMetadata },
): Promise<SigningKey> {
  const principal = agentPrincipal(agent);
  const vaults = (await listOrgVaults(services.db, agent.orgId))
    .filter((v) => !v.system && (agent.vaultIds.length === 0 || agent.vaultIds.includes(v.id)));
  for (const vault of vaults) {
    const present = (await listVaultSecrets(services.db, vault.id, path)).some((s) => s.path === path);
    if (!present) continue;
    const { policyId } = await authorize(services, principal,
      { vaultId: vault.id, path, permission: "read", ip: request.ip, metadata: request.metadata, action: "transaction.sign" });
    const secretId = secretIdFor(vault.id, path);
    const version = readableVersion(await loadAggregate(services.store, secretAggregate, secretId), path, services.clock());
    if (version.type !== "private_key") throw new SigningKeyInvalid(path, `it is a ${version.type} secret, not a private_key`);
    const place = { vaultId: vault.id, secretId, path };
    await recordKeyRead(services, principal, place, version, policyId, request.metadata);
    const address = await lend(services, place, version, addressOfKey);
    return { ...place, version: version.version, address, use: (fn) => lend(services, place, version, fn) };
  }
  throw new SigningKeyNotFound(path);
}

/** The read is a fact before the key is opened; for a key with a max_access_count it is also the exact count. */
async function recordKeyRead(services: KeyServices, principal: AgentPrincipal,
  place: { vaultId: string; secretId: string; path: string }, version: SecretVersionState, policyId: string | undefined,
  metadata: EventMetadata): Promise<void> {
  const facts = { secretId: place.secretId, vaultId: place.vaultId, orgId: principal.orgId, path: place.path };
  try {
    if (version.maxAccessCount > 0) {
      await services.bus.handle(secretReadsAggregate, place.secretId, {
        type: "RecordSecretRead", ...facts, version: version.version, maxAccessCount: version.maxAccessCount,
        reader: { type: "agent", id: principal.id }, policyId,
      }, { metadata, readYourWrites: false });
    } else {
      await services.bus.record(secretReadsAggregate.stream(place.secretId), [SecretValueRead.of({
        secret_id: place.secretId, vault_id: place.vaultId, org_id: principal.orgId, path: place.path, version: version.version,
        reader: { type: "agent", id: principal.id }, ...(policyId && { policy_id: policyId }),
      })], { metadata, readYourWrites: false });
    }
  } catch (error) {
    if (error instanceof SecretGone) throw error;
    throw new ReadNotAudited({ cause: error });
  }
}
