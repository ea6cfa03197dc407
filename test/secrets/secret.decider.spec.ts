import { expect } from "chai";
import { fold } from "../../commands/decider.js";
import {
  readableVersion, SecretGone, SecretNotFound, secretDecider, SecretVersionNotFound, SecretVersionRaced,
} from "../../commands/secret.js";
import { secretReadsDecider } from "../../commands/secret-reads.js";
import { SecretDeleted, SecretRestored, SecretValueRead, SecretVersionAdded, SecretVersionDisabled } from "../../events/secret.js";
import { specFor } from "../support/decider.js";

const place = { secret_id: "7a1d2a7e-0000-4000-8000-000000000001", vault_id: "7a1d2a7e-0000-4000-8000-000000000002",
  org_id: "7a1d2a7e-0000-4000-8000-000000000003", path: "api-keys/stripe" };
const ids = { secretId: place.secret_id, vaultId: place.vault_id, orgId: place.org_id, path: place.path };
const by = { type: "user" as const, id: "7a1d2a7e-0000-4000-8000-000000000004" };
const sealed = { alg: "A256GCM+DEK-wrapped/v1" as const, kekId: "k", wrappedKey: "w", iv: "i", ciphertext: "c", tag: "t" };

const added = (version: number, extra: { expires_at?: string; max_access_count?: number } = {}) => SecretVersionAdded.of({
  ...place, version, type: "api_key", sealed, size: 3, metadata: {}, written_by: by, ...extra });
const add = (version: number) => ({ type: "AddSecretVersion" as const, ...ids, version, secretType: "api_key" as const, sealed,
  size: 3, metadata: {}, expiresAt: null, maxAccessCount: 0, reason: "put" as const, by });
const deleted = SecretDeleted.of({ ...place, deleted_by: by });
const now = new Date("2026-01-01T00:00:00Z");

describe("secret decider", () => {
  const spec = specFor(secretDecider, () => now);
  it("adds version 1 to a new secret", () => spec.given().when(add(1)).then(added(1)));
  it("adds the next version", () => spec.given(added(1)).when(add(2)).then(added(2)));
  it("refuses a value sealed for a version someone else took", () => spec.given(added(1)).when(add(1)).thenThrows(SecretVersionRaced));
  it("disables an existing version once", () => {
    const disable = { type: "DisableSecretVersion" as const, ...ids, version: 1, by };
    spec.given(added(1)).when(disable).then(SecretVersionDisabled.of({ ...place, version: 1, disabled_by: by }));
    spec.given(added(1), SecretVersionDisabled.of({ ...place, version: 1, disabled_by: by })).when(disable).then();
    spec.given(added(1)).when({ ...disable, version: 7 }).thenThrows(SecretVersionNotFound);
  });
  it("soft-deletes, and a deleted secret cannot be deleted again", () => {
    spec.given(added(1)).when({ type: "DeleteSecret", ...ids, by }).then(deleted);
    spec.given(added(1), deleted).when({ type: "DeleteSecret", ...ids, by }).thenThrows(SecretNotFound);
    spec.given().when({ type: "DeleteSecret", ...ids, by }).thenThrows(SecretNotFound);
  });
  it("restores a deleted secret, and restoring a living one does nothing", () => {
    spec.given(added(1), deleted).when({ type: "RestoreSecret", ...ids, by }).then(SecretRestored.of({ ...place, restored_by: by }));
    spec.given(added(1)).when({ type: "RestoreSecret", ...ids, by }).then();
  });
});

describe("readableVersion", () => {
  const state = (...events: Parameters<typeof secretDecider.evolve>[1][]) => fold(secretDecider, events);
  it("returns the current version", () => expect(readableVersion(state(added(1), added(2)), "p", now).version).to.equal(2));
  it("returns an older version when asked", () => expect(readableVersion(state(added(1), added(2)), "p", now, 1).version).to.equal(1));
  it("is 404 for an absent secret or version", () => {
    expect(() => readableVersion(state(), "p", now)).to.throw(SecretNotFound);
    expect(() => readableVersion(state(added(1)), "p", now, 3)).to.throw(SecretVersionNotFound);
  });
  it("is gone once deleted, disabled or expired", () => {
    expect(() => readableVersion(state(added(1), deleted), "p", now)).to.throw(SecretGone);
    expect(() => readableVersion(state(added(1), SecretVersionDisabled.of({ ...place, version: 1, disabled_by: by })), "p", now))
      .to.throw(SecretGone);
    expect(() => readableVersion(state(added(1, { expires_at: "2025-12-31T23:59:59Z" })), "p", now)).to.throw(SecretGone);
  });
});

describe("secret reads decider", () => {
  const spec = specFor(secretReadsDecider, () => now);
  const read = (version: number) => SecretValueRead.of({ ...place, version, reader: by });
  const record = (version: number, maxAccessCount: number) => ({ type: "RecordSecretRead" as const, ...ids, version, maxAccessCount,
    reader: by });
  it("records a read of an unlimited secret", () => spec.given(read(1), read(1)).when(record(1, 0)).then(read(1)));
  it("records reads up to max_access_count", () => spec.given(read(1)).when(record(1, 2)).then(read(1)));
  it("refuses the read after the last allowed one", () => spec.given(read(1), read(1)).when(record(1, 2)).thenThrows(SecretGone));
  it("counts only reads of the limiting version and later ones", () =>
    spec.given(read(1), read(1), read(2)).when(record(2, 2)).then(read(2)));
});
