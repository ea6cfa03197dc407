import { randomUUID } from "node:crypto";
import {
  ShareAccepted, ShareAccessed, ShareClaimed, ShareCreated, ShareDeclined, ShareExpired, ShareRevoked,
} from "../../events/share.js";
import { sharesProjection } from "../../projections/shares.js";
import { describeProjection, fact } from "../support/projection-spec.js";

const [org, secret, vault] = [randomUUID(), randomUUID(), randomUUID()];
const creator = { type: "user" as const, id: randomUUID() };
const bob = { type: "user" as const, id: randomUUID() };
const created = (shareId: string, extra: Partial<Parameters<typeof ShareCreated.of>[0]> = {}) => ShareCreated.of({
  share_id: shareId, org_id: org, secret_id: secret, vault_id: vault, path: "api/stripe", version: 2, recipient_type: "user",
  recipient: bob, recipient_email: null, expires_at: "2026-02-01T00:00:00.000Z", max_access_count: 2, passphrase_hash: null,
  ip_allowlist: [], created_by: creator, ...extra,
});

describe("shares read model", () => {
  const spec = describeProjection(sharesProjection);

  it("lists a targeted share as pending, a link as open, never the passphrase's hash", async () => {
    const [targeted, link] = [randomUUID(), randomUUID()];
    await (await spec().given(
      fact(created(targeted), { at: new Date("2026-01-01T00:00:00Z") }),
      fact(created(link, { recipient_type: "anyone_with_link", recipient: null, passphrase_hash: "c".repeat(64) }),
        { at: new Date("2026-01-02T00:00:00Z") }),
    )).expectRows(`select id, secret_path, version, recipient_type, recipient_kind, recipient_id, created_by_type, created_by,
                     status, access_count, max_access_count, has_passphrase, expires_at, created_at from shares order by created_at`, [
      { id: targeted, secret_path: "api/stripe", version: 2, recipient_type: "user", recipient_kind: "user", recipient_id: bob.id,
        created_by_type: "user", created_by: creator.id, status: "pending", access_count: 0, max_access_count: 2,
        has_passphrase: false, expires_at: new Date("2026-02-01T00:00:00Z"), created_at: new Date("2026-01-01T00:00:00Z") },
      { id: link, secret_path: "api/stripe", version: 2, recipient_type: "anyone_with_link", recipient_kind: null,
        recipient_id: null, created_by_type: "user", created_by: creator.id, status: "open", access_count: 0,
        max_access_count: 2, has_passphrase: true, expires_at: new Date("2026-02-01T00:00:00Z"),
        created_at: new Date("2026-01-02T00:00:00Z") },
    ]);
  });

  it("follows each share's answer, reads, revocation and expiry", async () => {
    const [accepted, declined, revoked, expired] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    await (await spec().given(
      created(accepted), created(declined), created(revoked), created(expired),
      ShareAccepted.of({ share_id: accepted, accepted_by: bob }),
      ShareAccessed.of({ share_id: accepted, secret_id: secret, version: 2, accessed_by: bob, access_count: 1 }),
      ShareAccessed.of({ share_id: accepted, secret_id: secret, version: 2, accessed_by: bob, access_count: 2 }),
      ShareDeclined.of({ share_id: declined, declined_by: bob }),
      ShareRevoked.of({ share_id: revoked, revoked_by: creator }),
      ShareExpired.of({ share_id: expired }),
    )).expectRows("select id, status, access_count from shares order by created_at", [
      { id: accepted, status: "accepted", access_count: 2 }, { id: declined, status: "declined", access_count: 0 },
      { id: revoked, status: "revoked", access_count: 0 }, { id: expired, status: "expired", access_count: 0 },
    ]);
  });

  it("gives an email share to the account that claims it", async () => {
    const [share, user] = [randomUUID(), randomUUID()];
    await (await spec().given(
      created(share, { recipient_type: "external_email", recipient: null, recipient_email: "carol@example.test" }),
    )).expectRows("select recipient_kind, recipient_id, recipient_email from shares",
      [{ recipient_kind: null, recipient_id: null, recipient_email: "carol@example.test" }]);
    await (await spec().given(ShareClaimed.of({ share_id: share, user_id: user })))
      .expectRows("select recipient_kind, recipient_id, recipient_email from shares",
        [{ recipient_kind: "user", recipient_id: user, recipient_email: "carol@example.test" }]);
  });
});
