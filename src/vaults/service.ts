/**
 * Creating and deleting vaults. The KEK is made in the key provider before the vault exists in the log,
 * and destroyed before its deletion is recorded: the events state facts (a VaultCreated vault has a KEK; a
 * VaultDeleted one's ciphertexts are unreadable), never intentions.
 */
import { randomUUID } from "node:crypto";
import { Forbidden, Invalid } from "../../commands/errors.js";
import { vaultNameAggregate, VaultNameTaken } from "../../commands/vault-name.js";
import { SystemVaultProtected, vaultAggregate, VaultNotFound, type VaultCommand } from "../../commands/vault.js";
import { AccessDenied as AccessDeniedEvent } from "../../events/access.js";
import type { Services } from "../app/services.js";
import { actorOf, type Principal } from "../auth/principal.js";
import { streamName, type EventMetadata } from "../eventstore/port.js";
import { releaseResourceSlot, releaseSecretSlotsOfVault, withResourceSlot } from "../billing/resource-limits.js";
import { findAgentKeysVault, findVaultById, type VaultRecord } from "./queries.js";
import { vaultKekId, vaultNameId } from "./streams.js";

/** The name of every organisation's system vault for agents' identity keys. */
export const AGENT_KEYS_VAULT_NAME = "__agent-keys";

export class InvalidVaultName extends Invalid {
  constructor(detail: string) {
    super(detail);
    this.name = "InvalidVaultName";
  }
}

export class VaultDeleteForbidden extends Forbidden {
  constructor() {
    super("only the vault's creator or an organisation owner or admin may delete a vault");
    this.name = "VaultDeleteForbidden";
  }
}

type VaultServices = Pick<Services, "db" | "bus" | "store" | "keys" | "clock" | "config">;

/** Who acts: enough of a principal to record and scope the act. */
/** Who acts, and in which organisation. */
type Acting = Pick<Principal, "type" | "id" | "orgId">;

export async function createVault(
  services: VaultServices, principal: Acting, input: { name: string; description?: string; system?: boolean },
  metadata: EventMetadata,
): Promise<VaultRecord> {
  const name = input.name.trim();
  if (name === "") throw new InvalidVaultName("name must not be empty");
  // Names starting "__" belong to the system (the `__agent-keys` vault).
  if (name.startsWith("__") && !input.system) throw new InvalidVaultName("vault names starting with \"__\" are reserved");
  const vaultId = randomUUID();
  // The system vault (agents' identity keys) is the install's, not one of the tier's vaults.
  if (input.system) return createVaultInSlot(services, principal, vaultId, name, input, metadata);
  return withResourceSlot(services, { orgId: principal.orgId, kind: "vault", resourceId: vaultId }, metadata,
    () => createVaultInSlot(services, principal, vaultId, name, input, metadata));
}

async function createVaultInSlot(
  services: VaultServices, principal: Acting, vaultId: string, name: string, input: { description?: string; system?: boolean },
  metadata: EventMetadata,
): Promise<VaultRecord> {
  const kekId = vaultKekId(vaultId);
  const reservation = { orgId: principal.orgId, name, vaultId };
  const nameId = vaultNameId(principal.orgId, name);
  await services.bus.handle(vaultNameAggregate, nameId, { type: "ReserveVaultName", ...reservation },
    { metadata, readYourWrites: false });
  try {
    await services.keys.createKek(kekId);
  } catch (error) {
    await services.bus.handle(vaultNameAggregate, nameId, { type: "ReleaseVaultName", ...reservation },
      { metadata, readYourWrites: false });
    throw error;
  }
  await services.bus.handle(vaultAggregate, vaultId, {
    type: "CreateVault", vaultId, orgId: principal.orgId, name, description: input.description, kekId,
    createdBy: actorOf(principal), system: input.system ?? false,
  }, { metadata });
  const vault = await findVaultById(services.db, vaultId);
  if (!vault) throw new Error(`vault ${vaultId} is not in the read model after its creation`);
  return vault;
}

/** Who may delete a vault: its creator, and the organisation's owners and admins. */
function mayDelete(principal: Principal, vault: VaultRecord): boolean {
  if (vault.createdBy.type === principal.type && vault.createdBy.id === principal.id) return true;
  return principal.type === "user" && (principal.role === "owner" || principal.role === "admin");
}

export async function deleteVault(
  services: VaultServices, principal: Principal, vaultId: string, metadata: EventMetadata,
): Promise<void> {
  const vault = await findVaultById(services.db, vaultId);
  if (!vault || vault.orgId !== principal.orgId || vault.deletedAt) throw new VaultNotFound(vaultId);
  if (!mayDelete(principal, vault)) {
    await services.bus.record(streamName("access_denied", principal.orgId), [AccessDeniedEvent.of({
      org_id: principal.orgId, actor: actorOf(principal), action: "vault.delete", resource_type: "vault",
      resource_id: vaultId, vault_id: vaultId, reason: "not the vault's creator nor an owner or admin",
    })], { metadata });
    throw new VaultDeleteForbidden();
  }
  let name = "";
  await services.bus.handle(vaultAggregate, vaultId, async (state): Promise<VaultCommand> => {
    // Checked on the aggregate before shredding: the key must not be destroyed for a refused deletion.
    if (state.status !== "active") throw new VaultNotFound(vaultId);
    if (state.system) throw new SystemVaultProtected(vaultId);
    name = state.name;
    // A retry (after a lost race, or a crash between the two steps) finds the key gone already.
    if (await services.keys.hasKek(state.kekId)) await services.keys.destroyKek(state.kekId);
    return { type: "DeleteVault", vaultId, orgId: principal.orgId, deletedBy: actorOf(principal) };
  }, { metadata });
  await services.bus.handle(vaultNameAggregate, vaultNameId(principal.orgId, name),
    { type: "ReleaseVaultName", orgId: principal.orgId, name, vaultId }, { metadata, readYourWrites: false });
  await releaseResourceSlot(services, { orgId: principal.orgId, kind: "vault", resourceId: vaultId }, metadata);
  await releaseSecretSlotsOfVault(services, principal.orgId, vaultId, metadata);
}

/**
 * The organisation's `__agent-keys` vault, created on first need on behalf of `actor` (who thereby has full
 * access to it, as the creator of any vault). Two agents created at once race for the name: the loser uses
 * the winner's vault.
 */
export async function ensureAgentKeysVault(services: VaultServices, actor: Acting, metadata: EventMetadata): Promise<VaultRecord> {
  const existing = await findAgentKeysVault(services.db, actor.orgId);
  if (existing) return existing;
  try {
    return await createVault(services, actor, {
      name: AGENT_KEYS_VAULT_NAME, description: "Identity private keys of the organisation's agents", system: true,
    }, metadata);
  } catch (error) {
    if (!(error instanceof VaultNameTaken)) throw error;
    const winner = await findAgentKeysVault(services.db, actor.orgId);
    if (!winner) throw error;
    return winner;
  }
}
