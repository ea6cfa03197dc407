/** The read models the authenticator consults: personal API keys, revoked tokens and IP rules. */
import { randomUUID } from "node:crypto";
import { AccessTokenIssued, AccessTokenRevoked } from "../../events/access-token.js";
import { UserPasswordChanged } from "../../events/user.js";
import { ApiKeyCreated, ApiKeyRevoked } from "../../events/api-key.js";
import { IpRuleCreated, IpRuleDeleted } from "../../events/ip-rule.js";
import { apiKeysProjection } from "../../projections/api-keys.js";
import { ipRulesProjection } from "../../projections/ip-rules.js";
import { revokedTokensProjection } from "../../projections/revoked-tokens.js";
import { describeProjection, fact } from "../support/projection-spec.js";

const [org, user] = [randomUUID(), randomUUID()];
const hash = "ab".repeat(32);

describe("api keys read model", () => {
  const spec = describeProjection(apiKeysProjection);

  it("lists keys by prefix and hash, and stamps revocations", async () => {
    const [kept, revoked] = [randomUUID(), randomUUID()];
    const created = (id: string, name: string) => ApiKeyCreated.of({ key_id: id, user_id: user, org_id: org, name,
      key_prefix: `1ck_${name}`, key_hash: hash, scopes: ["vaults:read"], created_at: "2026-01-01T00:00:00Z" });
    await (await spec().given(created(kept, "ci"), created(revoked, "laptop"),
      ApiKeyRevoked.of({ key_id: revoked, user_id: user, revoked_at: "2026-01-05T00:00:00Z" }),
    )).expectRows("select name, key_prefix, key_hash, scopes, created_at, expires_at, revoked_at from api_keys order by name", [
      { name: "ci", key_prefix: "1ck_ci", key_hash: hash, scopes: ["vaults:read"], created_at: new Date("2026-01-01T00:00:00Z"),
        expires_at: null, revoked_at: null },
      { name: "laptop", key_prefix: "1ck_laptop", key_hash: hash, scopes: ["vaults:read"],
        created_at: new Date("2026-01-01T00:00:00Z"), expires_at: null, revoked_at: new Date("2026-01-05T00:00:00Z") },
    ]);
  });
});

describe("revoked tokens read model", () => {
  const spec = describeProjection(revokedTokensProjection);

  it("records each revoked token once", async () => {
    const token = randomUUID();
    const revoked = AccessTokenRevoked.of({ token_id: token, subject_type: "user", subject_id: user, org_id: org,
      expires_at: "2026-01-01T01:00:00Z", revoked_at: "2026-01-01T00:10:00Z" });
    await (await spec().given(revoked, revoked)).expectRows("select token_id, subject_type, subject_id, expires_at, revoked_at from revoked_tokens", [
      { token_id: token, subject_type: "user", subject_id: user, expires_at: new Date("2026-01-01T01:00:00Z"),
        revoked_at: new Date("2026-01-01T00:10:00Z") },
    ]);
  });
});

describe("revoked tokens read model: forgetting expired tokens", () => {
  const spec = describeProjection(revokedTokensProjection);

  it("forgets a revoked token a day after it expired, as of a later issuance", async () => {
    const [expired, alive, fresh] = [randomUUID(), randomUUID(), randomUUID()];
    const revoked = (token: string, expiresAt: string) => AccessTokenRevoked.of({ token_id: token, subject_type: "user",
      subject_id: user, org_id: org, expires_at: expiresAt, revoked_at: "2026-01-01T00:10:00Z" });
    await (await spec().given(
      revoked(expired, "2026-01-01T01:00:00Z"), revoked(alive, "2026-01-03T00:00:00Z"),
      fact(AccessTokenIssued.of({ token_id: fresh, subject_type: "user", subject_id: user, org_id: org,
        expires_at: "2026-01-02T03:00:00Z", method: "password" }), { at: new Date("2026-01-02T02:00:00Z") }),
    )).expectRows("select token_id from revoked_tokens", [{ token_id: alive }]);
  });
});

describe("revoked tokens read model: credential changes (issue 9.8)", () => {
  const spec = describeProjection(revokedTokensProjection);

  it("revokes the tokens a user was issued before a password change, not the ones after", async () => {
    const [before, other, after] = [randomUUID(), randomUUID(), randomUUID()];
    const someoneElse = randomUUID();
    const issued = (token: string, subject: string) => AccessTokenIssued.of({ token_id: token, subject_type: "user",
      subject_id: subject, org_id: org, expires_at: "2026-01-01T01:00:00Z", method: "password" });
    await (await spec().given(
      issued(before, user), issued(other, someoneElse),
      fact(UserPasswordChanged.of({ password_hash: "argon2id-hash" }), { stream: `user-${user}`, at: new Date("2026-01-01T00:10:00Z") }),
      issued(after, user),
    )).expectRows("select token_id, subject_id, revoked_at from revoked_tokens", [
      { token_id: before, subject_id: user, revoked_at: new Date("2026-01-01T00:10:00Z") },
    ]);
  });
});

describe("ip rules read model", () => {
  const spec = describeProjection(ipRulesProjection);

  it("holds the organisation's current rules, created when their event occurred", async () => {
    const [kept, deleted] = [randomUUID(), randomUUID()];
    const created = (id: string, cidr: string) => IpRuleCreated.of({ rule_id: id, org_id: org, rule_type: "allow", cidr,
      label: "office", created_by: user });
    await (await spec().given(
      fact(created(kept, "10.0.0.0/8"), { at: new Date("2026-01-01T00:00:00Z") }), created(deleted, "192.0.2.0/24"),
      IpRuleDeleted.of({ rule_id: deleted, org_id: org, deleted_by: user }),
    )).expectRows("select id, rule_type, cidr, label, applies_to, created_at from ip_rules", [
      { id: kept, rule_type: "allow", cidr: "10.0.0.0/8", label: "office", applies_to: null, created_at: new Date("2026-01-01T00:00:00Z") },
    ]);
  });
});
