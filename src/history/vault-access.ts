/**
 * Who may look into a vault's history: humans only (agents 403), and only vaults they may see in listings
 * (src/access/authorize.ts `visibleVaultIds`). A vault deleted since stays open to its organisation's
 * owners and admins: its history is what an investigation needs.
 */
import { VaultNotFound } from "../../commands/vault.js";
import { visibleVaultIds } from "../access/authorize.js";
import { requireUser } from "../auth/guards.js";
import type { Principal } from "../auth/principal.js";
import type { Queryable } from "../db/database.js";
import { findVaultById, type VaultRecord } from "../vaults/queries.js";

export async function vaultForHistory(db: Queryable, principal: Principal | undefined, vaultId: string): Promise<VaultRecord> {
  const user = requireUser(principal);
  const vault = await findVaultById(db, vaultId);
  if (!vault || vault.orgId !== user.orgId) throw new VaultNotFound(vaultId);
  const visible = await visibleVaultIds(db, user);
  if (visible !== "all" && !visible.includes(vault.id)) throw new VaultNotFound(vaultId);
  return vault;
}
