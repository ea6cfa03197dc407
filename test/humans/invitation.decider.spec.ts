/** The invitation decider: who may invite, which roles, single use, expiry, revocation within the org. */
import { randomUUID } from "node:crypto";
import {
  invitationDecider, InvitationNotFound, InvitationNotPending, InvitationTokenInvalid, InviteForbidden,
} from "../../commands/invitation.js";
import { InvitationAccepted, InvitationRevoked, InvitationSent } from "../../events/invitation.js";
import { specFor } from "../support/decider.js";

describe("invitation decider", () => {
  const now = new Date("2026-01-01T00:00:00Z");
  const spec = specFor(invitationDecider, () => now);
  const [invitationId, orgId, inviter, invitee] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
  const expiresAt = new Date("2026-01-08T00:00:00Z");
  const sent = InvitationSent.of({ invitation_id: invitationId, org_id: orgId, email: "ann@example.test", role: "admin",
    invited_by: inviter, token_hash: "a".repeat(64), expires_at: expiresAt.toISOString() });
  const invite = (inviterRole: "owner" | "admin" | "member", role: "owner" | "admin" | "member" = "admin") => ({
    type: "Invite" as const, invitationId, orgId, email: "ann@example.test", role, inviterId: inviter, inviterRole,
    tokenHash: "a".repeat(64), expiresAt });

  it("records an invitation by an owner or an admin, for admin or member", () => {
    spec.given().when(invite("owner")).then(sent);
    spec.given().when(invite("admin")).then(sent);
  });

  it("refuses members as inviters and the owner role", () => {
    spec.given().when(invite("member")).thenThrows(InviteForbidden);
    spec.given().when(invite("owner", "owner")).thenThrows(InviteForbidden);
  });

  it("accepts the right token once, before the expiry", () => {
    const accept = { type: "AcceptInvitation" as const, presentedTokenHash: "a".repeat(64), userId: invitee };
    const accepted = InvitationAccepted.of({ invitation_id: invitationId, org_id: orgId, user_id: invitee });
    spec.given(sent).when(accept).then(accepted);
    spec.given(sent, accepted).when(accept).thenThrows(InvitationTokenInvalid);
    spec.given(sent).when({ ...accept, presentedTokenHash: "b".repeat(64) }).thenThrows(InvitationTokenInvalid);
    spec.given().when(accept).thenThrows(InvitationTokenInvalid);
    const late = specFor(invitationDecider, () => expiresAt);
    late.given(sent).when(accept).thenThrows(InvitationTokenInvalid);
  });

  it("revokes a pending invitation of the actor's own org only; a revoked one no longer accepts", () => {
    const revoke = { type: "RevokeInvitation" as const, orgId, actorId: inviter, actorRole: "admin" as const };
    const revoked = InvitationRevoked.of({ invitation_id: invitationId, org_id: orgId, revoked_by: inviter });
    spec.given(sent).when(revoke).then(revoked);
    spec.given(sent).when({ ...revoke, orgId: randomUUID() }).thenThrows(InvitationNotFound);
    spec.given().when(revoke).thenThrows(InvitationNotFound);
    spec.given(sent).when({ ...revoke, actorRole: "member" }).thenThrows(InviteForbidden);
    spec.given(sent, revoked).when(revoke).thenThrows(InvitationNotPending);
    spec.given(sent, revoked).when({ type: "AcceptInvitation", presentedTokenHash: "a".repeat(64), userId: invitee })
      .thenThrows(InvitationTokenInvalid);
  });
});
