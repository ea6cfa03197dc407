/**
 * A vault's life: created (its KEK already made in the key provider), then deleted for good (its KEK
 * already destroyed, so the events say what happened, not what is about to). An organisation's system
 * vault (`__agent-keys`) is not deletable through the API. A vault may also hold a customer-managed key
 * (CMEK: only its fingerprint) and the slot of the one CMEK rotation job that may run on it at a time.
 */
import type { Actor } from "../events/actor.js";
import {
  readVaultEvent, VaultCmekDisabled, VaultCmekEnabled, VaultCmekRotated, VaultCmekRotationAbandoned, VaultCmekRotationBegan,
  VaultCreated, VaultDeleted, type VaultEvent,
} from "../events/vault.js";
import { defineAggregate } from "./aggregate.js";
import type { Decider } from "./decider.js";
import { Conflict, Forbidden, Invalid, NotFound } from "./errors.js";


export type VaultCommand =
  | {
    type: "CreateVault"; vaultId: string; orgId: string; name: string; description?: string; kekId: string;
    createdBy: Actor; system: boolean;
  }
  | { type: "DeleteVault"; vaultId: string; orgId: string; deletedBy: Actor }
  | { type: "EnableCmek"; vaultId: string; orgId: string; fingerprint: string; by: Actor }
  | { type: "DisableCmek"; vaultId: string; orgId: string; by: Actor }
  | {
    type: "BeginCmekRotation"; vaultId: string; orgId: string; jobId: string; oldFingerprint: string;
    newFingerprint: string; by: Actor;
  }
  | { type: "FinishCmekRotation"; vaultId: string; orgId: string; jobId: string }
  | { type: "AbandonCmekRotation"; vaultId: string; orgId: string; jobId: string; reason: string };

/** The rotation job that holds the vault's rotation slot, and the key it rotates to. */
export interface CmekRotationSlot { jobId: string; oldFingerprint: string; newFingerprint: string }

export type VaultState =
  | { status: "absent" }
  | {
    status: "active"; orgId: string; name: string; kekId: string; system: boolean;
    /** The fingerprint of the customer key in force, or null when CMEK is off. */
    cmekFingerprint: string | null;
    cmekRotation: CmekRotationSlot | null;
  }
  | { status: "deleted"; orgId: string };

type ActiveVault = Extract<VaultState, { status: "active" }>;

export class VaultNotFound extends NotFound {
  constructor(readonly vaultId: string) {
    super(`vault ${vaultId} not found`, { detail: "vault not found" });
    this.name = "VaultNotFound";
  }
}

export class VaultAlreadyExists extends Conflict {
  constructor(readonly vaultId: string) {
    super(`vault ${vaultId} already exists`);
    this.name = "VaultAlreadyExists";
  }
}

export class SystemVaultProtected extends Forbidden {
  constructor(readonly vaultId: string) {
    super("the organisation's system vault cannot be deleted");
    this.name = "SystemVaultProtected";
  }
}

/** CMEK on a vault: not on the system vault, whose agents' keys the server itself must read. */
export class CmekNotAllowed extends Forbidden {
  constructor() {
    super("customer-managed keys cannot be enabled on the organisation's system vault");
    this.name = "CmekNotAllowed";
  }
}

export class CmekNotEnabled extends Conflict {
  constructor() {
    super("customer-managed encryption is not enabled on this vault");
    this.name = "CmekNotEnabled";
  }
}

export class CmekAlreadyEnabled extends Conflict {
  constructor() {
    super("customer-managed encryption is already enabled with another key; use POST /v1/vaults/{vault_id}/cmek-rotate to change keys");
    this.name = "CmekAlreadyEnabled";
  }
}

export class CmekRotationInProgress extends Conflict {
  constructor(readonly jobId: string) {
    super(`CMEK rotation job ${jobId} is in progress on this vault`);
    this.name = "CmekRotationInProgress";
  }
}

/** The old key posted for a rotation is not the vault's key in force (its SHA-256 differs). */
export class CmekKeyMismatch extends Invalid {
  constructor(detail: string) {
    super(detail);
    this.name = "CmekKeyMismatch";
  }
}

function activeIn(state: VaultState, vaultId: string, orgId: string): ActiveVault {
  if (state.status !== "active" || state.orgId !== orgId) throw new VaultNotFound(vaultId);
  return state;
}

function decideCmek(command: Exclude<VaultCommand, { type: "CreateVault" | "DeleteVault" }>, state: VaultState): VaultEvent[] {
  const vault = activeIn(state, command.vaultId, command.orgId);
  const ids = { vault_id: command.vaultId, org_id: command.orgId };
  switch (command.type) {
    case "EnableCmek":
      if (vault.system) throw new CmekNotAllowed();
      if (vault.cmekRotation) throw new CmekRotationInProgress(vault.cmekRotation.jobId);
      if (vault.cmekFingerprint === command.fingerprint) return [];
      if (vault.cmekFingerprint !== null) throw new CmekAlreadyEnabled();
      return [VaultCmekEnabled.of({ ...ids, fingerprint: command.fingerprint, enabled_by: command.by })];
    case "DisableCmek":
      if (vault.cmekRotation) throw new CmekRotationInProgress(vault.cmekRotation.jobId);
      if (vault.cmekFingerprint === null) return [];
      return [VaultCmekDisabled.of({ ...ids, fingerprint: vault.cmekFingerprint, disabled_by: command.by })];
    case "BeginCmekRotation":
      if (vault.cmekRotation?.jobId === command.jobId) return [];
      if (vault.cmekRotation) throw new CmekRotationInProgress(vault.cmekRotation.jobId);
      if (vault.cmekFingerprint === null) throw new CmekNotEnabled();
      if (vault.cmekFingerprint !== command.oldFingerprint) {
        throw new CmekKeyMismatch("x-cmek-old-key is not the vault's customer key in force (its SHA-256 differs from the vault's fingerprint)");
      }
      if (command.newFingerprint === command.oldFingerprint) throw new CmekKeyMismatch("the new key is the key in force");
      return [VaultCmekRotationBegan.of({
        ...ids, job_id: command.jobId, old_fingerprint: command.oldFingerprint, new_fingerprint: command.newFingerprint,
        requested_by: command.by,
      })];
    case "FinishCmekRotation": {
      const slot = vault.cmekRotation;
      if (slot?.jobId !== command.jobId) return [];
      return [VaultCmekRotated.of({
        ...ids, job_id: slot.jobId, old_fingerprint: slot.oldFingerprint, new_fingerprint: slot.newFingerprint,
      })];
    }
    case "AbandonCmekRotation":
      if (vault.cmekRotation?.jobId !== command.jobId) return [];
      return [VaultCmekRotationAbandoned.of({ ...ids, job_id: command.jobId, reason: command.reason })];
  }
}

export const vaultDecider: Decider<VaultCommand, VaultState, VaultEvent> = {
  initialState: { status: "absent" },

  evolve(state, event) {
    switch (event.type) {
      case "VaultCreated":
        return { status: "active", orgId: event.data.org_id, name: event.data.name, kekId: event.data.kek_id,
          system: event.data.system, cmekFingerprint: null, cmekRotation: null };
      case "VaultDeleted":
        return { status: "deleted", orgId: event.data.org_id };
    }
    if (state.status !== "active") return state;
    switch (event.type) {
      case "VaultCmekEnabled":
        return { ...state, cmekFingerprint: event.data.fingerprint };
      case "VaultCmekDisabled":
        return { ...state, cmekFingerprint: null };
      case "VaultCmekRotationBegan":
        return { ...state, cmekRotation: { jobId: event.data.job_id, oldFingerprint: event.data.old_fingerprint,
          newFingerprint: event.data.new_fingerprint } };
      case "VaultCmekRotated":
        return { ...state, cmekFingerprint: event.data.new_fingerprint, cmekRotation: null };
      case "VaultCmekRotationAbandoned":
        return { ...state, cmekRotation: null };
    }
  },

  decide(command, state) {
    switch (command.type) {
      case "CreateVault":
        if (state.status !== "absent") throw new VaultAlreadyExists(command.vaultId);
        return [VaultCreated.of({
          vault_id: command.vaultId, org_id: command.orgId, name: command.name,
          ...(command.description !== undefined && { description: command.description }), kek_id: command.kekId, created_by: command.createdBy, system: command.system,
        })];
      case "DeleteVault":
        if (state.status !== "active" || state.orgId !== command.orgId) throw new VaultNotFound(command.vaultId);
        if (state.system) throw new SystemVaultProtected(command.vaultId);
        return [VaultDeleted.of({
          vault_id: command.vaultId, org_id: command.orgId, deleted_by: command.deletedBy, kek_destroyed: true,
        })];
      default:
        return decideCmek(command, state);
    }
  },
};

export const vaultAggregate = defineAggregate("vault", vaultDecider, readVaultEvent);
