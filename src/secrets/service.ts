/**
 * Secrets: storing versions (sealed under the vault's KEK), reading values (audited, fail closed), and the
 * lifecycle operations. Every operation is authorized by `authorize` first; reads and writes of one
 * secret go through its stream (short: reads live in their own stream).
 */
import { randomBytes, randomInt } from "node:crypto";
import { Conflict, Forbidden, Unavailable } from "../../commands/errors.js";
import { secretReadsAggregate } from "../../commands/secret-reads.js";
import {
  nextVersion, readableVersion, secretAggregate, SecretGone, SecretNotFound,
  type SecretCommand, type SecretState, type SecretVersionState,
} from "../../commands/secret.js";
import { VaultNotFound } from "../../commands/vault.js";
import type { Actor } from "../../events/actor.js";
import { ENV_BUNDLE_TYPES, SecretValueRead, type SECRET_TYPES } from "../../events/secret.js";
import { authorize, readablePathFilter } from "../access/authorize.js";
import { loadAggregate } from "../app/aggregates.js";
import type { Services } from "../app/services.js";
import { actorOf, type Principal } from "../auth/principal.js";
import type { EventMetadata } from "../eventstore/port.js";
import { sealValue } from "../keys/envelope.js";
import { releaseResourceSlot, takeResourceSlot } from "../billing/resource-limits.js";
import { findVaultById } from "../vaults/queries.js";
import { parseEnvBundle } from "./env-bundle.js";
import { openSecretVersion } from "./open-version.js";
import { listVaultSecrets, type SecretListing } from "./queries.js";
import { secretIdFor } from "./streams.js";

export type SecretType = (typeof SECRET_TYPES)[number];
type SecretServices = Pick<Services, "db" | "lookups" | "bus" | "store" | "keys" | "clock" | "config" | "recentStreams">;

/** The caller and where the request came from, as every operation needs them. */
export interface Caller {
  principal: Principal;
  ip: string;
  metadata: EventMetadata;
}

/** Agents using the Intents API sign through it: they never see raw signing keys. */
export class SecretTypeForbidden extends Forbidden {
  constructor(type: string) {
    super(`agents with intents_api_enabled cannot read ${type} secrets; use the Intents API`);
    this.name = "SecretTypeForbidden";
  }
}

/** The read could not be recorded in the audit log, so no value was returned. */
export class ReadNotAudited extends Unavailable {
  constructor(options: { cause?: unknown }) {
    super("the read could not be recorded in the audit log; no value was returned",
      { ...options, detail: "the read could not be recorded in the audit log; no value was returned; retry later" });
    this.name = "ReadNotAudited";
  }
}

/** Server-side rotation generates a value in the clear, which a CMEK vault must never hold. */
export class RotationInCmekVault extends Conflict {
  constructor() {
    super("server-side rotation is not available in a vault with customer-managed keys: write the new value, encrypted, with PUT");
    this.name = "RotationInCmekVault";
  }
}

export class RestoreForbidden extends Forbidden {
  constructor() {
    super("only organisation owners and admins may restore deleted secrets");
    this.name = "RestoreForbidden";
  }
}

/** One version as the API describes it (never its value). */
export interface SecretVersionInfo {
  secretId: string;
  path: string;
  version: number;
  type: SecretType;
  metadata: Record<string, unknown>;
  createdAt: Date;
  createdBy: Actor;
  expiresAt: Date | null;
  disabled: boolean;
  /** Fingerprint of the customer key (CMEK) the value is encrypted under, client-side; null for plain values. */
  cmekFingerprint: string | null;
}

export interface SecretValue extends SecretVersionInfo {
  value: string;
}

export interface PutSecretInput {
  type: SecretType;
  value: string;
  metadata: Record<string, unknown>;
  expiresAt: Date | null;
  maxAccessCount: number;
}

function describe(secretId: string, path: string, version: SecretVersionState): SecretVersionInfo {
  return {
    secretId, path, version: version.version, type: version.type, metadata: version.metadata,
    createdAt: version.writtenAt ?? new Date(0), createdBy: version.writtenBy, expiresAt: version.expiresAt,
    disabled: version.disabled, cmekFingerprint: version.cmekFingerprint,
  };
}

function currentVersion(state: SecretState, path: string): SecretVersionState {
  if (state.status !== "active") throw new SecretNotFound(path);
  return state.versions.get(state.current)!;
}

/**
 * Seals the value for the version the secret's state gives and appends it, in one command: on a lost race the
 * bus folds the newer state and this seals again for the next number. `inputFor` sees that state too
 * (rotation carries the current version's settings over).
 */
async function addVersion(
  services: SecretServices, caller: Pick<Caller, "metadata"> & { principal: Pick<Principal, "type" | "id"> },
  vaultId: string, path: string, inputFor: (state: SecretState) => PutSecretInput, reason: "put" | "rotate",
): Promise<SecretVersionInfo> {
  // The lookup cache's row, as `authorize` read it: a vault deleted by another process within its bound fails
  // the seal below, which uses the KEK on the token, never a copy.
  const vault = await findVaultById(services.lookups ?? services.db, vaultId);
  if (!vault || vault.deletedAt) throw new VaultNotFound(vaultId);
  if (reason === "rotate" && vault.cmekFingerprint) throw new RotationInCmekVault();
  const secretId = secretIdFor(vaultId, path);
  const { state } = await services.bus.handle(secretAggregate, secretId, async (state): Promise<SecretCommand> => {
    const input = inputFor(state);
    if (ENV_BUNDLE_TYPES.includes(input.type)) parseEnvBundle(input.value);
    const plaintext = Buffer.from(input.value, "utf8");
    const version = nextVersion(state);
    const sealed = await sealValue(services.keys, { kekId: vault.kekId, vaultId, secretId, version }, plaintext);
    return {
      type: "AddSecretVersion", secretId, vaultId, orgId: vault.orgId, path, version, secretType: input.type, sealed,
      size: plaintext.length, metadata: input.metadata, expiresAt: input.expiresAt, maxAccessCount: input.maxAccessCount,
      reason, by: actorOf(caller.principal),
      // In a CMEK vault the value is the client's blob (opaque here), recorded with the key in force.
      cmekFingerprint: vault.cmekFingerprint,
    };
  }, { metadata: caller.metadata });
  return describe(secretId, path, currentVersion(state, path));
}

export async function putSecret(
  services: SecretServices, caller: Caller, vaultId: string, path: string, input: PutSecretInput,
): Promise<SecretVersionInfo> {
  await authorize(services, caller.principal, { vaultId, path, permission: "write", ip: caller.ip, metadata: caller.metadata });
  const put = (liveOnly: boolean) => addVersion(services, caller, vaultId, path, (state) => {
    if (liveOnly && state.status !== "active") throw new NotLiveYet();
    return input;
  }, "put");
  // Most writes are new versions of a live secret: tried first, they read the secret's stream once (in the
  // command) instead of once more to learn that no slot is needed.
  try {
    return await put(true);
  } catch (error) {
    if (!(error instanceof NotLiveYet)) throw error;
  }
  return inSecretSlot(services, caller, vaultId, path, () => put(false));
}

/** A put found no live secret at the path: it must take a slot first. */
class NotLiveYet extends Error {}

/**
 * A secret counts against the tier's limit from its first version until it is deleted: a write to a path with
 * no live secret takes a slot first (a new version of a live one does not). The slot is the secret's id, so
 * racing first writes of one path take one slot.
 */
async function inSecretSlot<T>(services: SecretServices, caller: Caller, vaultId: string, path: string,
  write: () => Promise<T>): Promise<T> {
  const secretId = secretIdFor(vaultId, path);
  const isLive = async () => (await loadAggregate(services.store, secretAggregate, secretId)).status === "active";
  if (await isLive()) return write();
  const place = { orgId: caller.principal.orgId, kind: "secret" as const, resourceId: secretId };
  await takeResourceSlot(services, place, caller.metadata);
  try {
    return await write();
  } catch (error) {
    // Given back unless a racing write of the same path made the secret live in this slot meanwhile.
    if (!(await isLive().catch(() => true))) await releaseResourceSlot(services, place, caller.metadata).catch(() => undefined);
    throw error;
  }
}

/**
 * A new version written by the system itself on behalf of `caller`, with no policy check: for system vaults
 * only (agents' identity keys in `__agent-keys`), never for a request's own writes.
 */
export async function putSystemSecret(
  services: SecretServices, caller: { principal: Pick<Principal, "type" | "id">; metadata: EventMetadata },
  vaultId: string, path: string, input: PutSecretInput,
): Promise<SecretVersionInfo> {
  const vault = await findVaultById(services.db, vaultId);
  if (!vault?.system) throw new Error(`putSystemSecret: ${vaultId} is not a system vault`);
  return addVersion(services, caller, vaultId, path, () => input, "put");
}

const CHARSETS = {
  hex: "0123456789abcdef",
  alphanumeric: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
  ascii: Array.from({ length: 94 }, (_, i) => String.fromCharCode(33 + i)).join(""),
} as const;

/** A uniformly random value of `length` characters (base64: of the encoding of random bytes, cut to length). */
export function generateValue(length: number, charset: "hex" | "base64" | "alphanumeric" | "ascii"): string {
  if (charset === "base64") return randomBytes(Math.ceil((length * 3) / 4) + 3).toString("base64url").slice(0, length);
  const alphabet = CHARSETS[charset];
  return Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join("");
}

/** A new version with a generated value; metadata and max_access_count carry over, the expiry does not. */
export async function rotateSecret(
  services: SecretServices, caller: Caller, vaultId: string, path: string,
  options: { length: number; charset: "hex" | "base64" | "alphanumeric" | "ascii"; type?: SecretType },
): Promise<SecretVersionInfo> {
  await authorize(services, caller.principal, { vaultId, path, permission: "write", ip: caller.ip, metadata: caller.metadata });
  return addVersion(services, caller, vaultId, path, (state) => {
    const current = currentVersion(state, path);
    return {
      type: options.type ?? current.type, value: generateValue(options.length, options.charset), metadata: current.metadata,
      expiresAt: null, maxAccessCount: current.maxAccessCount,
    };
  }, "rotate");
}

/**
 * The value of the current version (or of `version`). Fail closed: the value leaves only once its read is
 * in the log; for a secret with a max_access_count that append is also the exact count.
 */
export async function readSecret(
  services: SecretServices, caller: Caller, vaultId: string, path: string, version?: number,
): Promise<SecretValue> {
  const { principal } = caller;
  const { policyId } = await authorize(services, principal,
    { vaultId, path, permission: "read", ip: caller.ip, metadata: caller.metadata });
  const secretId = secretIdFor(vaultId, path);
  // Within the stream cache's bound: a version written elsewhere up to a second ago may not be seen yet.
  const state = await loadAggregate(services.recentStreams ?? services.store, secretAggregate, secretId);
  const found = readableVersion(state, path, services.clock(), version);
  if (principal.type === "agent" && principal.intentsApiEnabled && (found.type === "private_key" || found.type === "ssh_key")) {
    throw new SecretTypeForbidden(found.type);
  }
  const value = await openSecretVersion(services.keys, { vaultId, secretId }, found);
  const place = { secretId, vaultId, orgId: principal.orgId, path };
  try {
    if (found.maxAccessCount > 0) {
      await services.bus.handle(secretReadsAggregate, secretId, {
        type: "RecordSecretRead", ...place, version: found.version, maxAccessCount: found.maxAccessCount,
        reader: actorOf(principal), policyId,
      }, { metadata: caller.metadata, readYourWrites: false });
    } else {
      await services.bus.record(secretReadsAggregate.stream(secretId), [SecretValueRead.of({
        secret_id: place.secretId, vault_id: vaultId, org_id: place.orgId, path, version: found.version,
        reader: actorOf(principal), ...(policyId && { policy_id: policyId }),
      })], { metadata: caller.metadata, readYourWrites: false });
    }
  } catch (error) {
    if (error instanceof SecretGone) throw error;
    throw new ReadNotAudited({ cause: error });
  }
  return { ...describe(secretId, path, found), value };
}

async function lifecycle(
  services: SecretServices, caller: Caller, vaultId: string, path: string,
  command: (place: { secretId: string; vaultId: string; orgId: string; path: string }) => SecretCommand,
): Promise<{ secretId: string; state: SecretState }> {
  const secretId = secretIdFor(vaultId, path);
  const { state } = await services.bus.handle(secretAggregate, secretId,
    command({ secretId, vaultId, orgId: caller.principal.orgId, path }), { metadata: caller.metadata });
  return { secretId, state };
}

export async function deleteSecret(services: SecretServices, caller: Caller, vaultId: string, path: string): Promise<void> {
  await authorize(services, caller.principal, { vaultId, path, permission: "write", ip: caller.ip, metadata: caller.metadata,
    action: "secret.delete" });
  const { secretId } = await lifecycle(services, caller, vaultId, path,
    (place) => ({ type: "DeleteSecret", ...place, by: actorOf(caller.principal) }));
  await releaseResourceSlot(services, { orgId: caller.principal.orgId, kind: "secret", resourceId: secretId }, caller.metadata);
}

/** Undoes a soft delete; organisation owners and admins only (and only in vaults they can reach). */
export async function restoreSecret(services: SecretServices, caller: Caller, vaultId: string, path: string): Promise<SecretVersionInfo> {
  const { principal } = caller;
  await authorize(services, principal, { vaultId, path, permission: "write", ip: caller.ip, metadata: caller.metadata,
    action: "secret.restore" });
  if (principal.type !== "user" || (principal.role !== "owner" && principal.role !== "admin")) throw new RestoreForbidden();
  const { secretId, state } = await inSecretSlot(services, caller, vaultId, path, () => lifecycle(services, caller, vaultId, path,
    (place) => ({ type: "RestoreSecret", ...place, by: actorOf(principal) })));
  return describe(secretId, path, currentVersion(state, path));
}

export async function disableSecretVersion(
  services: SecretServices, caller: Caller, vaultId: string, path: string, version: number,
): Promise<void> {
  await authorize(services, caller.principal, { vaultId, path, permission: "write", ip: caller.ip, metadata: caller.metadata,
    action: "secret.version_disable" });
  await lifecycle(services, caller, vaultId, path,
    (place) => ({ type: "DisableSecretVersion", ...place, version, by: actorOf(caller.principal) }));
}

/** Every version of a secret, oldest first (metadata only). */
export async function listSecretVersions(
  services: SecretServices, caller: Caller, vaultId: string, path: string,
): Promise<SecretVersionInfo[]> {
  await authorize(services, caller.principal, { vaultId, path, permission: "read", ip: caller.ip, metadata: caller.metadata,
    action: "secret.versions" });
  const secretId = secretIdFor(vaultId, path);
  const state = await loadAggregate(services.store, secretAggregate, secretId);
  if (state.status !== "active") throw new SecretNotFound(path);
  return [...state.versions.values()].sort((a, b) => a.version - b.version).map((v) => describe(secretId, path, v));
}

/**
 * The vault's living secrets under `prefix` (metadata only), limited to the paths the caller may read: a
 * path is a name, and names can say a lot.
 */
export async function listSecrets(
  services: SecretServices, caller: Caller, vaultId: string, prefix?: string,
): Promise<SecretListing[]> {
  await authorize(services, caller.principal, { vaultId, permission: "read", ip: caller.ip, metadata: caller.metadata,
    action: "secret.list" });
  const readable = await readablePathFilter(services, caller.principal, vaultId, caller.ip);
  return (await listVaultSecrets(services.db, vaultId, prefix)).filter((secret) => readable(secret.path));
}
