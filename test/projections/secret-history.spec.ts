import { randomUUID } from "node:crypto";
import { SecretDeleted, SecretRestored, SecretVersionAdded, SecretVersionDisabled } from "../../events/secret.js";
import { VaultDeleted } from "../../events/vault.js";
import { secretHistoryProjection } from "../../projections/secret-history.js";
import { describeProjection, fact } from "../support/projection-spec.js";

const [org, vault] = [randomUUID(), randomUUID()];
const by = { type: "user" as const, id: randomUUID() };
const sealed = { alg: "A256GCM+DEK-wrapped/v1" as const, kekId: "k", wrappedKey: "AA==", iv: "AA==", ciphertext: "AA==", tag: "AA==" };
const place = (secretId: string, path: string) => ({ vault_id: vault, org_id: org, secret_id: secretId, path });
const added = (secretId: string, path: string, version: number, extra: Partial<Parameters<typeof SecretVersionAdded.of>[0]> = {}) =>
  SecretVersionAdded.of({ ...place(secretId, path), version, type: "api_key", sealed, size: 12, written_by: by, ...extra });
const at = (iso: string) => ({ at: new Date(iso) });
const PERIODS = `select path, version, metadata, max_access_count, written_by_id, version_created_at, deleted,
  lower(current) as since, upper(current) as until from secret_history order by lower(current), path`;

describe("secret history read model", () => {
  const spec = describeProjection(secretHistoryProjection);

  it("keeps one period per current version, the last one open", async () => {
    const id = randomUUID();
    await (await spec().given(
      fact(added(id, "api-keys/stripe", 1, { metadata: { env: "test" } }), at("2026-01-01T00:00:00Z")),
      fact(added(id, "api-keys/stripe", 2, { metadata: { env: "prod" }, max_access_count: 3 }), at("2026-01-02T00:00:00Z")),
    )).expectRows(PERIODS, [
      { path: "api-keys/stripe", version: 1, metadata: { env: "test" }, max_access_count: 0, written_by_id: by.id,
        version_created_at: new Date("2026-01-01T00:00:00Z"), deleted: false,
        since: new Date("2026-01-01T00:00:00Z"), until: new Date("2026-01-02T00:00:00Z") },
      { path: "api-keys/stripe", version: 2, metadata: { env: "prod" }, max_access_count: 3, written_by_id: by.id,
        version_created_at: new Date("2026-01-02T00:00:00Z"), deleted: false,
        since: new Date("2026-01-02T00:00:00Z"), until: null },
    ]);
  });

  it("takes a run of versions of several secrets in one batch, period by period as one at a time", async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const day = (d: string) => new Date(`2026-01-${d}Z`);
    await (await (await spec().given(fact(added(a, "a", 1), at("2026-01-01T00:00:00Z")))).given(
      fact(added(b, "b", 1), at("2026-01-02T00:00:00Z")),
      fact(added(a, "a", 2), at("2026-01-03T00:00:00Z")),
      fact(added(b, "b", 2), at("2026-01-04T00:00:00Z")),
      fact(added(a, "a", 3), at("2026-01-05T00:00:00Z")),
      // A writer whose clock is behind: version 3 held for no time at all (an empty period), as one at a time.
      fact(added(a, "a", 4), at("2026-01-04T12:00:00Z")),
    )).expectRows("select path, version, lower(current) as since, upper(current) as until from secret_history order by path, version", [
      { path: "a", version: 1, since: day("01T00:00:00"), until: day("03T00:00:00") },
      { path: "a", version: 2, since: day("03T00:00:00"), until: day("05T00:00:00") },
      { path: "a", version: 3, since: null, until: null },
      { path: "a", version: 4, since: day("04T12:00:00"), until: null },
      { path: "b", version: 1, since: day("02T00:00:00"), until: day("04T00:00:00") },
      { path: "b", version: 2, since: day("04T00:00:00"), until: null },
    ]);
  });

  it("opens a deleted period at a deletion and a living one at a restore, keeping the version", async () => {
    const id = randomUUID();
    await (await spec().given(
      fact(added(id, "a", 1), at("2026-01-01T00:00:00Z")),
      fact(SecretDeleted.of({ ...place(id, "a"), deleted_by: by }), at("2026-01-02T00:00:00Z")),
      fact(SecretRestored.of({ ...place(id, "a"), restored_by: by }), at("2026-01-03T00:00:00Z")),
    )).expectRows("select version, deleted, lower(current) as since, upper(current) as until from secret_history order by since", [
      { version: 1, deleted: false, since: new Date("2026-01-01T00:00:00Z"), until: new Date("2026-01-02T00:00:00Z") },
      { version: 1, deleted: true, since: new Date("2026-01-02T00:00:00Z"), until: new Date("2026-01-03T00:00:00Z") },
      { version: 1, deleted: false, since: new Date("2026-01-03T00:00:00Z"), until: null },
    ]);
  });

  it("ends the living secrets of a deleted vault, leaving those already deleted as they were", async () => {
    const [living, gone] = [randomUUID(), randomUUID()];
    await (await spec().given(
      fact(added(living, "a", 1), at("2026-01-01T00:00:00Z")),
      fact(added(gone, "b", 1), at("2026-01-01T00:00:00Z")),
      fact(SecretDeleted.of({ ...place(gone, "b"), deleted_by: by }), at("2026-01-02T00:00:00Z")),
      fact(VaultDeleted.of({ vault_id: vault, org_id: org, deleted_by: by, kek_destroyed: true }), at("2026-01-03T00:00:00Z")),
    )).expectRows("select path, deleted, lower(current) as since, upper(current) as until from secret_history order by since, path", [
      { path: "a", deleted: false, since: new Date("2026-01-01T00:00:00Z"), until: new Date("2026-01-03T00:00:00Z") },
      { path: "b", deleted: false, since: new Date("2026-01-01T00:00:00Z"), until: new Date("2026-01-02T00:00:00Z") },
      { path: "b", deleted: true, since: new Date("2026-01-02T00:00:00Z"), until: null },
      { path: "a", deleted: true, since: new Date("2026-01-03T00:00:00Z"), until: null },
    ]);
  });

  it("records when a version was disabled, once", async () => {
    const id = randomUUID();
    const disabled = SecretVersionDisabled.of({ ...place(id, "a"), version: 1, disabled_by: by });
    await (await spec().given(
      added(id, "a", 1), added(id, "a", 2),
      fact(disabled, at("2026-02-01T00:00:00Z")), fact(disabled, at("2026-02-02T00:00:00Z")),
    )).expectRows("select secret_id, version, disabled_at from secret_version_disables",
      [{ secret_id: id, version: 1, disabled_at: new Date("2026-02-01T00:00:00Z") }]);
  });
});
