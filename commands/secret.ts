/**
 * A secret's life at one path of one vault: versions added (PUT, rotate), versions disabled, soft-deleted
 * and restored. Values arrive already sealed for the version they name (sealing binds the version number),
 * so a PUT that lost a race for that number is refused (SecretVersionRaced); the bus then seals again.
 * Whether a value may be read is a pure question of this state and the time (`readableVersion`). A CMEK
 * rotation re-seals versions in place (SecretCmekResealed): the same version, its value under the new key.
 */
import type { z } from "zod";
import type { Actor } from "../events/actor.js";
import type { SealedValue } from "../events/sealed-value.js";
import {
  SecretCmekResealed, SecretDeleted, SecretRestored, SecretVersionAdded, SecretVersionDisabled, readSecretEvent, type SecretEvent,
} from "../events/secret.js";
import { defineAggregate, type Timed } from "./aggregate.js";
import type { Decider } from "./decider.js";
import { Conflict, Gone, NotFound } from "./errors.js";
import { requireFutureExpiry } from "./rules/expiry.js";

type SecretType = z.output<typeof SecretVersionAdded.schema>["type"];

export interface SecretVersionState {
  version: number;
  type: SecretType;
  sealed: SealedValue;
  metadata: Record<string, unknown>;
  expiresAt: Date | null;
  maxAccessCount: number;
  disabled: boolean;
  writtenBy: Actor;
  /** The customer key (CMEK) the value is encrypted under, by fingerprint; null for plain values. */
  cmekFingerprint: string | null;
  /** When it was written (absent in decider specs, which give events no time). */
  writtenAt?: Date;
}

export type SecretState =
  | { status: "absent" }
  | {
    status: "active" | "deleted"; vaultId: string; orgId: string; path: string; current: number;
    versions: ReadonlyMap<number, SecretVersionState>;
  };

interface Place { secretId: string; vaultId: string; orgId: string; path: string }

export type SecretCommand =
  | (Place & {
    type: "AddSecretVersion"; version: number; secretType: SecretType; sealed: SecretVersionState["sealed"]; size: number;
    metadata: Record<string, unknown>; expiresAt: Date | null; maxAccessCount: number; reason: "put" | "rotate"; by: Actor;
    /** The vault's customer key in force when written (absent or null: a plain value). */
    cmekFingerprint?: string | null;
  })
  | (Place & {
    type: "ResealCmekVersions"; jobId: string; fromFingerprint: string;
    versions: Array<{ version: number; sealed: SealedValue; cmekFingerprint: string }>;
  })
  | (Place & { type: "DisableSecretVersion"; version: number; by: Actor })
  | (Place & { type: "DeleteSecret"; by: Actor })
  | (Place & { type: "RestoreSecret"; by: Actor });

export class SecretNotFound extends NotFound {
  constructor(readonly path: string) {
    super(`secret ${path} not found`);
    this.name = "SecretNotFound";
  }
}

export class SecretVersionNotFound extends NotFound {
  constructor(readonly path: string, readonly version: number) {
    super(`secret ${path} has no version ${version}`);
    this.name = "SecretVersionNotFound";
  }
}

/** 410: the secret was there and is no more readable (expired, deleted, disabled, reads used up). */
export class SecretGone extends Gone {
  constructor(readonly path: string, readonly reason: "expired" | "deleted" | "disabled" | "exhausted") {
    super(`secret ${path} is gone (${reason === "exhausted" ? "its max_access_count is used up" : reason})`);
    this.name = "SecretGone";
  }
}

/** Another write took the version number this value was sealed for: seal again for the next one. */
export class SecretVersionRaced extends Conflict {
  constructor(readonly path: string, readonly version: number) {
    super(`secret ${path}: version ${version} was written concurrently`);
    this.name = "SecretVersionRaced";
  }
}

/** The version a new value gets. */
export function nextVersion(state: SecretState): number {
  return state.status === "absent" ? 1 : state.current + 1;
}

/** The version a read returns (the current one unless asked), or why there is none. */
export function readableVersion(state: SecretState, path: string, now: Date, version?: number): SecretVersionState {
  if (state.status === "absent") throw new SecretNotFound(path);
  if (state.status === "deleted") throw new SecretGone(path, "deleted");
  const found = state.versions.get(version ?? state.current);
  if (!found) throw new SecretVersionNotFound(path, version ?? state.current);
  if (found.disabled) throw new SecretGone(path, "disabled");
  if (found.expiresAt && found.expiresAt <= now) throw new SecretGone(path, "expired");
  return found;
}

function existing(state: SecretState, path: string): Exclude<SecretState, { status: "absent" }> {
  if (state.status === "absent") throw new SecretNotFound(path);
  return state;
}

export const secretDecider: Decider<SecretCommand, SecretState, SecretEvent> = {
  initialState: { status: "absent" },

  evolve(state, event: Timed<SecretEvent>) {
    const d = event.data;
    switch (event.type) {
      case "SecretVersionAdded": {
        const { data } = event;
        const versions = new Map(state.status === "absent" ? [] : state.versions);
        versions.set(data.version, {
          version: data.version, type: data.type, sealed: data.sealed, metadata: data.metadata,
          expiresAt: data.expires_at ? new Date(data.expires_at) : null, maxAccessCount: data.max_access_count,
          disabled: false, writtenBy: data.written_by, writtenAt: event.at, cmekFingerprint: data.cmek_fingerprint,
        });
        return { status: "active", vaultId: d.vault_id, orgId: d.org_id, path: d.path, current: data.version, versions };
      }
      case "SecretVersionDisabled": {
        if (state.status === "absent") return state;
        const versions = new Map(state.versions);
        const version = versions.get(event.data.version);
        if (version) versions.set(version.version, { ...version, disabled: true });
        return { ...state, versions };
      }
      case "SecretDeleted":
        return state.status === "absent" ? state : { ...state, status: "deleted" };
      case "SecretRestored":
        return state.status === "absent" ? state : { ...state, status: "active" };
      case "SecretCmekResealed": {
        if (state.status === "absent") return state;
        const versions = new Map(state.versions);
        for (const resealed of event.data.versions) {
          const version = versions.get(resealed.version);
          if (version) versions.set(version.version, { ...version, sealed: resealed.sealed, cmekFingerprint: resealed.cmek_fingerprint });
        }
        return { ...state, versions };
      }
    }
  },

  decide(command, state, now) {
    const place = { secret_id: command.secretId, vault_id: command.vaultId, org_id: command.orgId, path: command.path };
    switch (command.type) {
      case "AddSecretVersion":
        requireFutureExpiry(command.expiresAt, now);
        if (command.version !== nextVersion(state)) throw new SecretVersionRaced(command.path, command.version);
        return [SecretVersionAdded.of({
          ...place, version: command.version, type: command.secretType, sealed: command.sealed, size: command.size,
          metadata: command.metadata, expires_at: command.expiresAt?.toISOString() ?? null,
          max_access_count: command.maxAccessCount, reason: command.reason, written_by: command.by,
          cmek_fingerprint: command.cmekFingerprint ?? null,
        })];
      case "DisableSecretVersion": {
        const current = existing(state, command.path);
        const version = current.versions.get(command.version);
        if (!version) throw new SecretVersionNotFound(command.path, command.version);
        return version.disabled ? [] : [SecretVersionDisabled.of({ ...place, version: command.version, disabled_by: command.by })];
      }
      case "DeleteSecret":
        if (existing(state, command.path).status === "deleted") throw new SecretNotFound(command.path);
        return [SecretDeleted.of({ ...place, deleted_by: command.by })];
      case "RestoreSecret":
        return existing(state, command.path).status === "active" ? [] : [SecretRestored.of({ ...place, restored_by: command.by })];
      case "ResealCmekVersions": {
        // Only versions still on the old key: re-applying a batch after a crash changes nothing twice.
        const current = existing(state, command.path);
        const due = command.versions.filter((v) => current.versions.get(v.version)?.cmekFingerprint === command.fromFingerprint);
        if (due.length === 0) return [];
        return [SecretCmekResealed.of({
          ...place, job_id: command.jobId,
          versions: due.map((v) => ({ version: v.version, sealed: v.sealed, cmek_fingerprint: v.cmekFingerprint })),
        })];
      }
    }
  },
};

export const secretAggregate = defineAggregate("secret", secretDecider, readSecretEvent);
