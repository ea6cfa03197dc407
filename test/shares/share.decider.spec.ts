import { expect } from "chai";
import {
  ShareAddressRejected, ShareAuthenticationRequired, shareDecider, ShareGone, ShareNotAccepted, ShareNotForYou, ShareNotFound,
  SharePassphraseRejected, ShareRevokeForbidden, ShareStateConflict, type ShareCommand,
} from "../../commands/share.js";
import {
  ShareAccepted, ShareAccessed, ShareClaimed, ShareCreated, ShareDeclined, ShareExpired, ShareRevoked,
} from "../../events/share.js";
import { specFor } from "../support/decider.js";

const { given } = specFor(shareDecider, () => new Date("2026-01-01T00:00:00Z"));
const share_id = "00000000-0000-4000-8000-000000000001";
const creator = { type: "user" as const, id: "00000000-0000-4000-8000-0000000000c1" };
const bob = { type: "user" as const, id: "00000000-0000-4000-8000-0000000000b0" };
const bot = { type: "agent" as const, id: "00000000-0000-4000-8000-0000000000a9" };

const created = (extra: Partial<Parameters<typeof ShareCreated.of>[0]> = {}) => ShareCreated.of({
  share_id, org_id: "00000000-0000-4000-8000-0000000000f0", secret_id: "00000000-0000-4000-8000-0000000000e0",
  vault_id: "00000000-0000-4000-8000-0000000000d0", path: "api/stripe", version: 2, recipient_type: "user", recipient: bob,
  recipient_email: null, expires_at: "2026-02-01T00:00:00.000Z", max_access_count: 2, passphrase_hash: null,
  ip_allowlist: [], created_by: creator, ...extra,
});
const link = (extra: Partial<Parameters<typeof ShareCreated.of>[0]> = {}) =>
  created({ recipient_type: "anyone_with_link", recipient: null, ...extra });
const accessed = (count: number, by: typeof bob | null = bob) =>
  ShareAccessed.of({ share_id, secret_id: "00000000-0000-4000-8000-0000000000e0", version: 2, accessed_by: by, access_count: count });
const access = (accessor: typeof bob | typeof bot | null, extra: Partial<Extract<ShareCommand, { type: "AccessShare" }>> = {}): ShareCommand =>
  ({ type: "AccessShare", accessor, ip: "198.51.100.7", passphraseMatches: false, ...extra });

describe("share decider", () => {
  describe("targeted shares", () => {
    it("refuses the recipient's read until they accept", () =>
      given(created()).when(access(bob)).thenThrows(ShareNotAccepted));
    it("lets the recipient read once accepted, counting the read", () =>
      given(created(), ShareAccepted.of({ share_id, accepted_by: bob })).when(access(bob)).then(accessed(1)));
    it("asks anonymous callers to authenticate", () =>
      given(created(), ShareAccepted.of({ share_id, accepted_by: bob })).when(access(null)).thenThrows(ShareAuthenticationRequired));
    it("refuses anyone but the recipient", () =>
      given(created(), ShareAccepted.of({ share_id, accepted_by: bob })).when(access(bot)).thenThrows(ShareNotForYou));
    it("lets only the recipient accept", () =>
      given(created()).when({ type: "AcceptShare", by: creator }).thenThrows(ShareNotForYou));
    it("accepts once: a second accept records nothing", () =>
      given(created(), ShareAccepted.of({ share_id, accepted_by: bob })).when({ type: "AcceptShare", by: bob }).then());
    it("is gone once declined, and cannot be accepted after", () => {
      given(created(), ShareDeclined.of({ share_id, declined_by: bob })).when(access(bob)).thenThrows(ShareGone);
      given(created(), ShareDeclined.of({ share_id, declined_by: bob })).when({ type: "AcceptShare", by: bob })
        .thenThrows(ShareStateConflict);
    });
  });

  describe("email shares", () => {
    const emailShare = () => created({ recipient_type: "external_email", recipient: null, recipient_email: "x@example.test" });
    it("is claimed once by the address's account", () => {
      given(emailShare()).when({ type: "ClaimShare", userId: bob.id }).then(ShareClaimed.of({ share_id, user_id: bob.id }));
      given(emailShare(), ShareClaimed.of({ share_id, user_id: bob.id })).when({ type: "ClaimShare", userId: creator.id }).then();
    });
    it("is then the claimer's to accept", () =>
      given(emailShare(), ShareClaimed.of({ share_id, user_id: bob.id })).when({ type: "AcceptShare", by: bob })
        .then(ShareAccepted.of({ share_id, accepted_by: bob })));
    it("cannot be read before it is claimed", () =>
      given(emailShare()).when(access(bob)).thenThrows(ShareNotForYou));
  });

  describe("link shares", () => {
    it("lets anyone read, without acceptance", () =>
      given(link()).when(access(null)).then(accessed(1, null)));
    it("need no acceptance", () =>
      given(link()).when({ type: "AcceptShare", by: bob }).thenThrows(ShareStateConflict));
    it("checks the passphrase verdict", () => {
      given(link({ passphrase_hash: "$argon2id$..." })).when(access(null)).thenThrows(SharePassphraseRejected);
      given(link({ passphrase_hash: "$argon2id$..." })).when(access(null, { passphraseMatches: true })).then(accessed(1, null));
    });
    it("checks the IP allowlist", () => {
      given(link({ ip_allowlist: ["203.0.113.0/24"] })).when(access(null)).thenThrows(ShareAddressRejected);
      given(link({ ip_allowlist: ["198.51.100.0/24"] })).when(access(null)).then(accessed(1, null));
    });
  });

  describe("limits and endings", () => {
    it("refuses the read after the last allowed one", () =>
      given(link(), accessed(1, null), accessed(2, null)).when(access(null)).thenThrows(ShareGone));
    it("never runs out with max_access_count 0", () =>
      given(link({ max_access_count: 0 }), accessed(1, null), accessed(2, null), accessed(3, null)).when(access(null))
        .then(accessed(4, null)));
    it("records the expiry on the first read after it, then stays gone", () => {
      given(link({ expires_at: "2025-12-31T00:00:00.000Z" })).when(access(null)).then(ShareExpired.of({ share_id }));
      given(link(), ShareExpired.of({ share_id })).when(access(null)).thenThrows(ShareGone);
    });
    it("is revoked by its creator only, at once", () => {
      given(link()).when({ type: "RevokeShare", by: bob }).thenThrows(ShareRevokeForbidden);
      given(link()).when({ type: "RevokeShare", by: creator }).then(ShareRevoked.of({ share_id, revoked_by: creator }));
      given(link(), ShareRevoked.of({ share_id, revoked_by: creator })).when(access(null)).thenThrows(ShareGone);
    });
    it("knows no share it has no history of", () =>
      given().when(access(null)).thenThrows(ShareNotFound));
    it("says why a share is gone", () => {
      expect(() => shareDecider.decide(access(null), [link(), ShareRevoked.of({ share_id, revoked_by: creator })]
        .reduce(shareDecider.evolve, shareDecider.initialState), new Date("2026-01-01T00:00:00Z")))
        .to.throw(ShareGone, /revoked/);
    });
  });
});
