/**
 * A vault's life: created (its KEK already made in the key provider), then deleted for good (its KEK
 * already destroyed, so the events say what happened, not what is about to). An organisation's system
 * vault (`__agent-keys`) is not deletable through the API.
 */
import type { Actor } from "../events/actor.js";
import { readVaultEvent, VaultCreated, VaultDeleted, type VaultEvent } from "../events/vault.js";
import { defineAggregate } from "./aggregate.js";
import type { Decider } from "./decider.js";
import { Conflict, Forbidden, NotFound } from "./errors.js";


export type VaultCommand =
  | {
    type: "CreateVault"; vaultId: string; orgId: string; name: string; description?: string; kekId: string;
    createdBy: Actor; system: boolean;
  }
  | { type: "DeleteVault"; vaultId: string; orgId: string; deletedBy: Actor };

export type VaultState =
  | { status: "absent" }
  | { status: "active"; orgId: string; name: string; kekId: string; system: boolean }
  | { status: "deleted"; orgId: string };

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

export const vaultDecider: Decider<VaultCommand, VaultState, VaultEvent> = {
  initialState: { status: "absent" },

  evolve(_state, event) {
    switch (event.type) {
      case "VaultCreated":
        return { status: "active", orgId: event.data.org_id, name: event.data.name, kekId: event.data.kek_id,
          system: event.data.system };
      case "VaultDeleted":
        return { status: "deleted", orgId: event.data.org_id };
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
    }
  },
};

export const vaultAggregate = defineAggregate("vault", vaultDecider, readVaultEvent);
