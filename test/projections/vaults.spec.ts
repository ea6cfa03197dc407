import { randomUUID } from "node:crypto";
import { VaultCreated, VaultDeleted } from "../../events/vault.js";
import { vaultsProjection } from "../../projections/vaults.js";
import { describeProjection, fact } from "../support/projection-spec.js";

describe("vaults read model", () => {
  const spec = describeProjection(vaultsProjection);
  const org = randomUUID();
  const by = { type: "user" as const, id: randomUUID() };
  const created = (id: string, name: string, extra: { description?: string; system?: boolean } = {}) =>
    VaultCreated.of({ vault_id: id, org_id: org, name, kek_id: `vault-${id}`, created_by: by, ...extra });

  it("lists each vault with its creator and creation time", async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    await (await spec().given(
      fact(created(a, "payments", { description: "stripe" }), { at: new Date("2026-03-01T10:00:00Z") }),
      fact(created(b, "__agent-keys", { system: true }), { at: new Date("2026-03-01T11:00:00Z") }),
    )).expectRows("select id, name, description, kek_id, created_by_type, created_by, system, created_at, deleted_at from vaults order by created_at", [
      { id: a, name: "payments", description: "stripe", kek_id: `vault-${a}`, created_by_type: "user", created_by: by.id,
        system: false, created_at: new Date("2026-03-01T10:00:00Z"), deleted_at: null },
      { id: b, name: "__agent-keys", description: null, kek_id: `vault-${b}`, created_by_type: "user", created_by: by.id,
        system: true, created_at: new Date("2026-03-01T11:00:00Z"), deleted_at: null },
    ]);
  });

  it("keeps a deleted vault's row, stamped with when it was deleted", async () => {
    const id = randomUUID();
    await (await spec().given(
      created(id, "old"),
      fact(VaultDeleted.of({ vault_id: id, org_id: org, deleted_by: by, kek_destroyed: true }),
        { at: new Date("2026-02-01T00:00:00Z") }),
    )).expectRows("select name, deleted_at from vaults", [{ name: "old", deleted_at: new Date("2026-02-01T00:00:00Z") }]);
  });
});
