/**
 * Secrets: storing versions (sealed under the vault's KEK), reading values (audited, fail closed), and the
 * lifecycle operations. Every operation is authorized by `authorize` first; reads and writes of one
 * secret go through its stream (short: reads live in their own stream).
 */
import { Forbidden, Unavailable } from "../../commands/errors.js";
import { randomBytes, randomInt } from "node:crypto";
import { fold } from "../../commands/decider.js";
import { occurredAt } from "../../events/recorded.js";
import {
  nextVersion, readableVersion, SecretGone, SecretNotFound, secretDecider, SecretVersionRaced,
  type SecretCommand, type SecretState, type SecretVersionState,
} from "../../commands/secret.js";
import { secretReadsDecider } from "../../commands/secret-reads.js";
import { VaultNotFound } from "../../commands/vault.js";
import { readSecretEvent, readSecretReadEvent, SecretValueRead, type SECRET_TYPES } from "../../events/secret.js";
import { authorize } from "../access/authorize.js";
import type { Services } from "../app/services.js";
import type { Principal } from "../auth/principal.js";
import type { EventMetadata } from "../eventstore/port.js";
import { openValue, sealValue } from "../keys/envelope.js";
import { findVaultById } from "../vaults/queries.js";
import { parseEnvBundle } from "./env-bundle.js";
import { secretIdFor, secretReadsStream, secretStream } from "./streams.js";

export type SecretType = (typeof SECRET_TYPES)[number];
type SecretServices = Pick<Services, "db" | "bus" | "store" | "keys" | "clock">;

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
  createdBy: { type: "user" | "agent"; id: string };
  expiresAt: Date | null;
  disabled: boolean;
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

const actorOf = (principal: Pick<Principal, "type" | "id">) => ({ type: principal.type, id: principal.id });

interface LoadedSecret {
  secretId: string;
  state: SecretState;
  /** When each version was written (the events' times; the decider's state holds no clock). */
  writtenAt: Map<number, Date>;
}

async function loadSecret(services: SecretServices, vaultId: string, path: string): Promise<LoadedSecret> {
  const secretId = secretIdFor(vaultId, path);
  const recorded = await services.store.readStream(secretStream(secretId));
  const writtenAt = new Map<number, Date>();
  for (const event of recorded) {
    if (event.type === "SecretVersionAdded") {
      writtenAt.set(event.data.version as number, occurredAt(event));
    }
  }
  return { secretId, state: fold(secretDecider, recorded.map(readSecretEvent)), writtenAt };
}

function describe(loaded: LoadedSecret, path: string, version: SecretVersionState): SecretVersionInfo {
  return {
    secretId: loaded.secretId, path, version: version.version, type: version.type, metadata: version.metadata,
    createdAt: loaded.writtenAt.get(version.version) ?? new Date(0), createdBy: version.writtenBy,
    expiresAt: version.expiresAt, disabled: version.disabled,
  };
}

/** Seals the value for the next version and appends it; a lost race for that number seals again. */
async function addVersion(
  services: SecretServices, caller: Pick<Caller, "metadata"> & { principal: Pick<Principal, "type" | "id"> },
  vaultId: string, path: string, input: PutSecretInput, reason: "put" | "rotate",
): Promise<SecretVersionInfo> {
  const vault = await findVaultById(services.db, vaultId);
  if (!vault || vault.deletedAt) throw new VaultNotFound(vaultId);
  if (input.type === "env_bundle") parseEnvBundle(input.value);
  const plaintext = Buffer.from(input.value, "utf8");
  for (let attempt = 1; ; attempt++) {
    const loaded = await loadSecret(services, vaultId, path);
    const version = nextVersion(loaded.state);
    const sealed = await sealValue(services.keys, { kekId: vault.kekId, vaultId, secretId: loaded.secretId, version }, plaintext);
    const command: SecretCommand = {
      type: "AddSecretVersion", secretId: loaded.secretId, vaultId, orgId: vault.orgId, path, version,
      secretType: input.type, sealed, size: plaintext.length, metadata: input.metadata, expiresAt: input.expiresAt,
      maxAccessCount: input.maxAccessCount, reason, by: actorOf(caller.principal),
    };
    try {
      await services.bus.handle(secretStream(loaded.secretId), secretDecider, readSecretEvent, command,
        { metadata: caller.metadata });
      const written = await loadSecret(services, vaultId, path);
      const added = written.state.status === "absent" ? undefined : written.state.versions.get(version);
      if (!added) throw new Error(`secret ${loaded.secretId} version ${version} missing after its append`);
      return describe(written, path, added);
    } catch (error) {
      if (!(error instanceof SecretVersionRaced) || attempt >= 10) throw error;
    }
  }
}

export async function putSecret(
  services: SecretServices, caller: Caller, vaultId: string, path: string, input: PutSecretInput,
): Promise<SecretVersionInfo> {
  await authorize(services, caller.principal, { vaultId, path, permission: "write", ip: caller.ip, metadata: caller.metadata });
  return addVersion(services, caller, vaultId, path, input, "put");
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
  return addVersion(services, caller, vaultId, path, input, "put");
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
  const { state } = await loadSecret(services, vaultId, path);
  if (state.status !== "active") throw new SecretNotFound(path);
  const current = state.versions.get(state.current)!;
  return addVersion(services, caller, vaultId, path, {
    type: options.type ?? current.type, value: generateValue(options.length, options.charset), metadata: current.metadata,
    expiresAt: null, maxAccessCount: current.maxAccessCount,
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
  const loaded = await loadSecret(services, vaultId, path);
  const found = readableVersion(loaded.state, path, services.clock(), version);
  if (principal.type === "agent" && principal.intentsApiEnabled && (found.type === "private_key" || found.type === "ssh_key")) {
    throw new SecretTypeForbidden(found.type);
  }
  const plaintext = await openValue(services.keys, { vaultId, secretId: loaded.secretId, version: found.version }, found.sealed);
  const place = { secretId: loaded.secretId, vaultId, orgId: principal.orgId, path };
  try {
    if (found.maxAccessCount > 0) {
      await services.bus.handle(secretReadsStream(loaded.secretId), secretReadsDecider, readSecretReadEvent, {
        type: "RecordSecretRead", ...place, version: found.version, maxAccessCount: found.maxAccessCount,
        reader: actorOf(principal), policyId,
      }, { metadata: caller.metadata, readYourWrites: false });
    } else {
      await services.bus.record(secretReadsStream(loaded.secretId), [SecretValueRead.of({
        secret_id: place.secretId, vault_id: vaultId, org_id: place.orgId, path, version: found.version,
        reader: actorOf(principal), ...(policyId && { policy_id: policyId }),
      })], { metadata: caller.metadata, readYourWrites: false });
    }
  } catch (error) {
    if (error instanceof SecretGone) throw error;
    throw new ReadNotAudited({ cause: error });
  }
  return { ...describe(loaded, path, found), value: Buffer.from(plaintext).toString("utf8") };
}

async function lifecycle(
  services: SecretServices, caller: Caller, vaultId: string, path: string,
  command: (place: { secretId: string; vaultId: string; orgId: string; path: string }) => SecretCommand,
): Promise<void> {
  const secretId = secretIdFor(vaultId, path);
  await services.bus.handle(secretStream(secretId), secretDecider, readSecretEvent,
    command({ secretId, vaultId, orgId: caller.principal.orgId, path }), { metadata: caller.metadata });
}

export async function deleteSecret(services: SecretServices, caller: Caller, vaultId: string, path: string): Promise<void> {
  await authorize(services, caller.principal, { vaultId, path, permission: "write", ip: caller.ip, metadata: caller.metadata,
    action: "secret.delete" });
  await lifecycle(services, caller, vaultId, path, (place) => ({ type: "DeleteSecret", ...place, by: actorOf(caller.principal) }));
}

/** Undoes a soft delete; organisation owners and admins only (and only in vaults they can reach). */
export async function restoreSecret(services: SecretServices, caller: Caller, vaultId: string, path: string): Promise<SecretVersionInfo> {
  const { principal } = caller;
  await authorize(services, principal, { vaultId, path, permission: "write", ip: caller.ip, metadata: caller.metadata,
    action: "secret.restore" });
  if (principal.type !== "user" || (principal.role !== "owner" && principal.role !== "admin")) throw new RestoreForbidden();
  await lifecycle(services, caller, vaultId, path, (place) => ({ type: "RestoreSecret", ...place, by: actorOf(principal) }));
  const loaded = await loadSecret(services, vaultId, path);
  if (loaded.state.status !== "active") throw new SecretNotFound(path);
  return describe(loaded, path, loaded.state.versions.get(loaded.state.current)!);
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
  const loaded = await loadSecret(services, vaultId, path);
  if (loaded.state.status !== "active") throw new SecretNotFound(path);
  return [...loaded.state.versions.values()].sort((a, b) => a.version - b.version).map((v) => describe(loaded, path, v));
}
