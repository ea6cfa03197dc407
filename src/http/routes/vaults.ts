/** Vaults, as in the 1claw reference: create (KEK made in the key provider), list visible ones, get, delete. */
import { z } from "zod";
import { VaultNotFound } from "../../../commands/vault.js";
import { visibleVaultIds } from "../../access/authorize.js";
import type { Services } from "../../app/services.js";
import { requestMetadata } from "../../auth/metadata.js";
import type { Principal } from "../../auth/principal.js";
import { findVaultById, listOrgVaults, type VaultRecord } from "../../vaults/queries.js";
import { createVault, deleteVault } from "../../vaults/service.js";
import { defineRoute, type Route } from "../route.js";
import { CreateVaultRequest, VaultIdParams, VaultListResponse, VaultResponse } from "../../api/vaults.js";

export function toVaultResponse(vault: VaultRecord): z.input<typeof VaultResponse> {
  return {
    id: vault.id, name: vault.name, description: vault.description, created_by: vault.createdBy.id,
    created_by_type: vault.createdBy.type, created_at: vault.createdAt.toISOString(), system: vault.system,
    cmek_enabled: vault.cmekFingerprint !== null, cmek_fingerprint: vault.cmekFingerprint ?? undefined,
  };
}

async function isVisible(services: Services, principal: Principal, vaultId: string): Promise<boolean> {
  const visible = await visibleVaultIds(services.db, principal);
  return visible === "all" || visible.includes(vaultId);
}

export function vaultRoutes(services: Services): Route[] {
  const tags = ["Vaults"];
  return [
    defineRoute({
      method: "POST", path: "/v1/vaults", summary: "Create a vault", operationId: "createVault", tags, auth: "required",
      request: { body: CreateVaultRequest }, responses: { 201: VaultResponse },
    }).handle(async ({ body, principal, request }) => {
      const vault = await createVault(services, principal, body, requestMetadata(request, principal));
      return { status: 201, body: toVaultResponse(vault) };
    }),

    defineRoute({
      method: "GET", path: "/v1/vaults", summary: "List vaults", operationId: "listVaults", tags, auth: "required",
      responses: { 200: VaultListResponse },
    }).handle(async ({ principal }) => {
      const [vaults, visible] = await Promise.all([listOrgVaults(services.db, principal.orgId),
        visibleVaultIds(services.db, principal)]);
      const shown = visible === "all" ? vaults : vaults.filter((vault) => visible.includes(vault.id));
      return { status: 200, body: { vaults: shown.map(toVaultResponse) } };
    }),

    defineRoute({
      method: "GET", path: "/v1/vaults/{vault_id}", summary: "Get vault details", operationId: "getVault", tags,
      auth: "required", request: { params: VaultIdParams }, responses: { 200: VaultResponse },
    }).handle(async ({ params, principal }) => {
      const vault = await findVaultById(services.db, params.vault_id);
      // A vault the caller may not see is as absent as one that does not exist.
      if (!vault || vault.deletedAt || vault.orgId !== principal.orgId || !(await isVisible(services, principal, vault.id))) {
        throw new VaultNotFound(params.vault_id);
      }
      return { status: 200, body: toVaultResponse(vault) };
    }),

    defineRoute({
      method: "DELETE", path: "/v1/vaults/{vault_id}", summary: "Delete a vault (destroys its key: its secrets become unreadable)",
      operationId: "deleteVault", tags, auth: "required", request: { params: VaultIdParams }, responses: { 204: null },
    }).handle(async ({ params, principal, request }) => {
      await deleteVault(services, principal, params.vault_id, requestMetadata(request, principal));
      return { status: 204 };
    }),
  ];
}
