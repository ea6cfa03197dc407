import { ApiKeyExpiryInPast, ApiKeyIdTaken, ApiKeyNotFound, apiKeyDecider, type ApiKeyCommand } from "../../commands/api-key.js";
import { ApiKeyCreated, ApiKeyRevoked } from "../../events/api-key.js";
import { specFor } from "../support/decider.js";

const { given } = specFor(apiKeyDecider, () => new Date("2026-01-01T00:00:00Z"));

const keyId = "2c9b8a7f-6e5d-4c3b-8a19-0f1e2d3c4b5a";
const owner = "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d";
const stranger = "1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e";
const orgId = "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9";
const keyHash = "a".repeat(64);

const create = (expiresAt?: Date): ApiKeyCommand => ({
  type: "CreateApiKey", keyId, userId: owner, orgId, name: "ci", keyPrefix: "1ck_abcdefgh", keyHash,
  scopes: ["vaults:read"], expiresAt,
});
const created = ApiKeyCreated.of({
  key_id: keyId, user_id: owner, org_id: orgId, name: "ci", key_prefix: "1ck_abcdefgh", key_hash: keyHash,
  scopes: ["vaults:read"], created_at: "2026-01-01T00:00:00.000Z",
});
const revoked = ApiKeyRevoked.of({ key_id: keyId, user_id: owner, revoked_at: "2026-01-01T00:00:00.000Z" });

describe("API key decider", () => {
  it("records a new key by its prefix and hash", () =>
    given().when(create()).then(created));

  it("records the expiry of a key that has one", () =>
    given().when(create(new Date("2026-02-01T00:00:00Z")))
      .then(ApiKeyCreated.of({ ...created.data, expires_at: "2026-02-01T00:00:00.000Z" })));

  it("refuses a key that would already be expired", () =>
    given().when(create(new Date("2025-12-31T23:59:59Z"))).thenThrows(ApiKeyExpiryInPast));

  it("refuses to create a key under an id already taken", () =>
    given(created).when(create()).thenThrows(ApiKeyIdTaken));

  it("lets the owner revoke the key", () =>
    given(created).when({ type: "RevokeApiKey", keyId, userId: owner }).then(revoked));

  it("answers someone else's key as not found", () =>
    given(created).when({ type: "RevokeApiKey", keyId, userId: stranger }).thenThrows(ApiKeyNotFound));

  it("answers an unknown key as not found", () =>
    given().when({ type: "RevokeApiKey", keyId, userId: owner }).thenThrows(ApiKeyNotFound));

  it("treats a second revocation as a no-op", () =>
    given(created, revoked).when({ type: "RevokeApiKey", keyId, userId: owner }).then());
});
