import { randomUUID } from "node:crypto";
import { SecretDeleted, SecretRestored, SecretValueRead, SecretVersionAdded, SecretVersionDisabled } from "../../events/secret.js";
import { VaultDeleted } from "../../events/vault.js";
import { dailyReadsProjection } from "../../projections/daily-reads.js";
import { secretInventoryProjection } from "../../projections/secret-inventory.js";
import { secretsProjection } from "../../projections/secrets.js";
import { describeProjection, fact } from "../support/projection-spec.js";

const org = randomUUID();
const vault = randomUUID();
const by = { type: "user" as const, id: randomUUID() };
const sealed = { alg: "A256GCM+DEK-wrapped/v1" as const, kekId: "k", wrappedKey: "AA==", iv: "AA==", ciphertext: "AA==", tag: "AA==" };
const place = (secretId: string, path: string) => ({ vault_id: vault, org_id: org, secret_id: secretId, path });
const added = (secretId: string, path: string, version: number, extra: Partial<Parameters<typeof SecretVersionAdded.of>[0]> = {}) =>
  SecretVersionAdded.of({ ...place(secretId, path), version, type: "api_key", sealed, size: 12, written_by: by, ...extra });
const at = (iso: string) => ({ at: new Date(iso) });

describe("secrets read model", () => {
  const spec = describeProjection(secretsProjection);

  it("keeps each secret's current version and every version's metadata", async () => {
    const id = randomUUID();
    const given = await spec().given(
      fact(added(id, "api-keys/stripe", 1, { metadata: { env: "test" } }), at("2026-01-01T00:00:00Z")),
      fact(added(id, "api-keys/stripe", 2, { metadata: { env: "prod" }, max_access_count: 3,
        expires_at: "2026-06-01T00:00:00Z", reason: "rotate" }), at("2026-01-02T00:00:00Z")),
      SecretVersionDisabled.of({ ...place(id, "api-keys/stripe"), version: 1, disabled_by: by }),
    );
    await given.expectRows("select id, path, type, version, metadata, expires_at, max_access_count, created_at, updated_at, deleted_at from secrets", [
      { id, path: "api-keys/stripe", type: "api_key", version: 2, metadata: { env: "prod" },
        expires_at: new Date("2026-06-01T00:00:00Z"), max_access_count: 3, created_at: new Date("2026-01-01T00:00:00Z"),
        updated_at: new Date("2026-01-02T00:00:00Z"), deleted_at: null },
    ]);
    await given.expectRows("select version, size, metadata, reason, written_by, disabled, created_at from secret_versions order by version", [
      { version: 1, size: 12, metadata: { env: "test" }, reason: "put", written_by: by.id, disabled: true,
        created_at: new Date("2026-01-01T00:00:00Z") },
      { version: 2, size: 12, metadata: { env: "prod" }, reason: "rotate", written_by: by.id, disabled: false,
        created_at: new Date("2026-01-02T00:00:00Z") },
    ]);
  });

  it("takes a run of versions of several secrets in one batch, each secret created at its first", async () => {
    const [x, y] = [randomUUID(), randomUUID()];
    const given = await (await spec().given(fact(added(x, "x", 1), at("2026-01-01T00:00:00Z")))).given(
      fact(added(y, "y", 1), at("2026-02-01T00:00:00Z")),
      fact(added(x, "x", 2, { metadata: { env: "prod" } }), at("2026-02-02T00:00:00Z")),
      fact(added(y, "y", 2, { type: "password" }), at("2026-02-03T00:00:00Z")),
    );
    await given.expectRows("select path, type, version, metadata, created_at, updated_at from secrets order by path", [
      { path: "x", type: "api_key", version: 2, metadata: { env: "prod" }, created_at: new Date("2026-01-01T00:00:00Z"),
        updated_at: new Date("2026-02-02T00:00:00Z") },
      { path: "y", type: "password", version: 2, metadata: {}, created_at: new Date("2026-02-01T00:00:00Z"),
        updated_at: new Date("2026-02-03T00:00:00Z") },
    ]);
    await given.expectRows("select secret_id, version, type, created_at from secret_versions order by created_at", [
      { secret_id: x, version: 1, type: "api_key", created_at: new Date("2026-01-01T00:00:00Z") },
      { secret_id: y, version: 1, type: "api_key", created_at: new Date("2026-02-01T00:00:00Z") },
      { secret_id: x, version: 2, type: "api_key", created_at: new Date("2026-02-02T00:00:00Z") },
      { secret_id: y, version: 2, type: "password", created_at: new Date("2026-02-03T00:00:00Z") },
    ]);
  });

  it("marks a deleted secret, and clears the mark when it is restored", async () => {
    const [kept, gone] = [randomUUID(), randomUUID()];
    await (await spec().given(
      added(kept, "a", 1), added(gone, "b", 1),
      fact(SecretDeleted.of({ ...place(kept, "a"), deleted_by: by }), at("2026-02-01T00:00:00Z")),
      fact(SecretDeleted.of({ ...place(gone, "b"), deleted_by: by }), at("2026-02-02T00:00:00Z")),
      SecretRestored.of({ ...place(kept, "a"), restored_by: by }),
    )).expectRows("select path, deleted_at from secrets order by path",
      [{ path: "a", deleted_at: null }, { path: "b", deleted_at: new Date("2026-02-02T00:00:00Z") }]);
  });
});

describe("secret inventory read model", () => {
  const spec = describeProjection(secretInventoryProjection);

  it("holds living secrets with their current version and when their value last changed", async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    await (await spec().given(
      fact(added(a, "a", 1), at("2026-01-01T00:00:00Z")),
      fact(added(a, "a", 2, { type: "password", expires_at: "2026-09-01T00:00:00Z" }), at("2026-01-05T00:00:00Z")),
      fact(added(b, "b", 1), at("2026-01-06T00:00:00Z")),
      SecretDeleted.of({ ...place(b, "b"), deleted_by: by }),
    )).expectRows("select path, type, version, expires_at, value_changed_at, deleted from secret_inventory order by path", [
      { path: "a", type: "password", version: 2, expires_at: new Date("2026-09-01T00:00:00Z"),
        value_changed_at: new Date("2026-01-05T00:00:00Z"), deleted: false },
      { path: "b", type: "api_key", version: 1, expires_at: null, value_changed_at: new Date("2026-01-06T00:00:00Z"), deleted: true },
    ]);
  });

  it("takes a run of versions of several secrets in one batch, keeping each secret's last", async () => {
    const [x, y] = [randomUUID(), randomUUID()];
    await (await (await spec().given(fact(added(x, "x", 1), at("2026-01-01T00:00:00Z")))).given(
      fact(added(y, "y", 1), at("2026-02-01T00:00:00Z")),
      fact(added(x, "x", 2, { expires_at: "2026-09-01T00:00:00Z" }), at("2026-02-02T00:00:00Z")),
      fact(added(y, "y", 2, { type: "password" }), at("2026-02-03T00:00:00Z")),
    )).expectRows("select path, type, version, expires_at, value_changed_at, deleted from secret_inventory order by path", [
      { path: "x", type: "api_key", version: 2, expires_at: new Date("2026-09-01T00:00:00Z"),
        value_changed_at: new Date("2026-02-02T00:00:00Z"), deleted: false },
      { path: "y", type: "password", version: 2, expires_at: null, value_changed_at: new Date("2026-02-03T00:00:00Z"), deleted: false },
    ]);
  });

  it("brings back a restored secret, and drops every secret of a deleted vault", async () => {
    const id = randomUUID();
    const given = await spec().given(added(id, "a", 1), SecretDeleted.of({ ...place(id, "a"), deleted_by: by }),
      SecretRestored.of({ ...place(id, "a"), restored_by: by }));
    await given.expectRows("select path, deleted from secret_inventory", [{ path: "a", deleted: false }]);
    await (await given.given(VaultDeleted.of({ vault_id: vault, org_id: org, deleted_by: by, kek_destroyed: true })))
      .expectRows("select path from secret_inventory", []);
  });
});

describe("daily reads read model", () => {
  const spec = describeProjection(dailyReadsProjection);

  it("counts each reader's reads per UTC day", async () => {
    const id = randomUUID();
    const agent = { type: "agent" as const, id: randomUUID() };
    const read = (reader: { type: "user" | "agent"; id: string }) =>
      SecretValueRead.of({ ...place(id, "a"), version: 1, reader });
    await (await spec().given(
      fact(read(agent), at("2026-01-01T00:00:00Z")),
      fact(read(agent), at("2026-01-01T23:59:59Z")),
      fact(read(agent), at("2026-01-02T00:00:00Z")),
      fact(read(by), at("2026-01-02T12:00:00Z")),
    )).expectRows("select reader_type, reader_id, to_char(day, 'YYYY-MM-DD') as day, reads::int as reads from daily_reads order by day, reader_type", [
      { reader_type: "agent", reader_id: agent.id, day: "2026-01-01", reads: 2 },
      { reader_type: "agent", reader_id: agent.id, day: "2026-01-02", reads: 1 },
      { reader_type: "user", reader_id: by.id, day: "2026-01-02", reads: 1 },
    ]);
  });

  it("sums a run of reads with other facts between them, and adds to the counts already there", async () => {
    const id = randomUUID();
    const agent = { type: "agent" as const, id: randomUUID() };
    const other = { type: "agent" as const, id: randomUUID() };
    const read = (reader: { type: "user" | "agent"; id: string }) =>
      SecretValueRead.of({ ...place(id, "a"), version: 1, reader });
    const given = await spec().given(fact(read(agent), at("2026-03-01T10:00:00Z")));
    // One batch: a run of reads of two readers over a day boundary, a fact the read model ignores in between.
    await (await given.given(
      fact(read(agent), at("2026-03-01T11:00:00Z")),
      fact(VaultDeleted.of({ vault_id: randomUUID(), org_id: org, deleted_by: by, kek_destroyed: true }), at("2026-03-01T12:00:00Z")),
      fact(read(other), at("2026-03-01T13:00:00Z")),
      fact(read(agent), at("2026-03-01T23:00:00Z")),
      fact(read(agent), at("2026-03-02T01:00:00Z")),
    )).expectRows("select reader_id, to_char(day, 'YYYY-MM-DD') as day, reads::int as reads from daily_reads order by day, reads desc", [
      { reader_id: agent.id, day: "2026-03-01", reads: 3 },
      { reader_id: other.id, day: "2026-03-01", reads: 1 },
      { reader_id: agent.id, day: "2026-03-02", reads: 1 },
    ]);
  });
});
