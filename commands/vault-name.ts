/**
 * Vault names are unique per organisation (case-insensitively). Uniqueness across vault streams needs one
 * place to decide it: a reservation stream per (organisation, lower-cased name), taken before the vault is
 * created and released when it is deleted.
 */
import { readVaultNameEvent, VaultNameReleased, VaultNameReserved, type VaultNameEvent } from "../events/vault.js";
import { defineAggregate } from "./aggregate.js";
import type { Decider } from "./decider.js";
import { Conflict } from "./errors.js";

export type VaultNameCommand =
  | { type: "ReserveVaultName"; orgId: string; name: string; vaultId: string }
  | { type: "ReleaseVaultName"; orgId: string; name: string; vaultId: string };

export type VaultNameState = { holder?: string };

export class VaultNameTaken extends Conflict {
  constructor(readonly vaultName: string) {
    super(`a vault named "${vaultName}" already exists in this organisation`);
    this.name = "VaultNameTaken";
  }
}

export const vaultNameDecider: Decider<VaultNameCommand, VaultNameState, VaultNameEvent> = {
  initialState: {},

  evolve(_state, event) {
    return event.type === "VaultNameReserved" ? { holder: event.data.vault_id } : {};
  },

  decide(command, state) {
    const data = { org_id: command.orgId, name: command.name, vault_id: command.vaultId };
    switch (command.type) {
      case "ReserveVaultName":
        if (state.holder === command.vaultId) return [];
        if (state.holder) throw new VaultNameTaken(command.name);
        return [VaultNameReserved.of(data)];
      case "ReleaseVaultName":
        return state.holder === command.vaultId ? [VaultNameReleased.of(data)] : [];
    }
  },
};

export const vaultNameAggregate = defineAggregate("vault_name", vaultNameDecider, readVaultNameEvent);
