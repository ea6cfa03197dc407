import { vaultDecider, VaultAlreadyExists, VaultNotFound, SystemVaultProtected } from "../../commands/vault.js";
import { vaultNameDecider, VaultNameTaken } from "../../commands/vault-name.js";
import { VaultCreated, VaultDeleted, VaultNameReleased, VaultNameReserved } from "../../events/vault.js";
import { specFor } from "../support/decider.js";

const vaultId = "6f1d2a7e-0000-4000-8000-000000000001";
const otherVault = "6f1d2a7e-0000-4000-8000-000000000002";
const orgId = "6f1d2a7e-0000-4000-8000-0000000000aa";
const user = { type: "user" as const, id: "6f1d2a7e-0000-4000-8000-0000000000bb" };

const created = (system = false) => VaultCreated.of({ vault_id: vaultId, org_id: orgId, name: "prod", kek_id: `vault-${vaultId}`,
  created_by: user, system });
const create = { type: "CreateVault" as const, vaultId, orgId, name: "prod", kekId: `vault-${vaultId}`, createdBy: user, system: false };
const remove = { type: "DeleteVault" as const, vaultId, orgId, deletedBy: user };

describe("vault decider", () => {
  const spec = specFor(vaultDecider);
  it("creates a vault once", () => spec.given().when(create).then(created()));
  it("refuses a second creation of the same id", () => spec.given(created()).when(create).thenThrows(VaultAlreadyExists));
  it("deletes a living vault, recording that its KEK is destroyed", () =>
    spec.given(created()).when(remove).then(VaultDeleted.of({ vault_id: vaultId, org_id: orgId, deleted_by: user, kek_destroyed: true })));
  it("treats a deleted vault as absent", () =>
    spec.given(created(), VaultDeleted.of({ vault_id: vaultId, org_id: orgId, deleted_by: user, kek_destroyed: true }))
      .when(remove).thenThrows(VaultNotFound));
  it("treats another organisation's vault as absent", () =>
    spec.given(created()).when({ ...remove, orgId: "6f1d2a7e-0000-4000-8000-0000000000cc" }).thenThrows(VaultNotFound));
  it("never deletes the system vault", () => spec.given(created(true)).when(remove).thenThrows(SystemVaultProtected));
});

describe("vault name decider", () => {
  const spec = specFor(vaultNameDecider);
  const reserve = (id: string) => ({ type: "ReserveVaultName" as const, orgId, name: "prod", vaultId: id });
  const reserved = (id: string) => VaultNameReserved.of({ org_id: orgId, name: "prod", vault_id: id });
  it("reserves a free name", () => spec.given().when(reserve(vaultId)).then(reserved(vaultId)));
  it("refuses a name another vault holds", () => spec.given(reserved(vaultId)).when(reserve(otherVault)).thenThrows(VaultNameTaken));
  it("is idempotent for the holder", () => spec.given(reserved(vaultId)).when(reserve(vaultId)).then());
  it("frees the name on release by the holder only", () => {
    spec.given(reserved(vaultId)).when({ ...reserve(vaultId), type: "ReleaseVaultName" })
      .then(VaultNameReleased.of({ org_id: orgId, name: "prod", vault_id: vaultId }));
    spec.given(reserved(vaultId)).when({ ...reserve(otherVault), type: "ReleaseVaultName" }).then();
  });
  it("lets a released name be taken again", () =>
    spec.given(reserved(vaultId), VaultNameReleased.of({ org_id: orgId, name: "prod", vault_id: vaultId }))
      .when(reserve(otherVault)).then(reserved(otherVault)));
});
