import { randomUUID } from "node:crypto";
import { InvitationAccepted, InvitationRevoked, InvitationSent } from "../../events/invitation.js";
import { invitationsProjection } from "../../projections/invitations.js";
import { describeProjection, fact } from "../support/projection-spec.js";

describe("invitations read model", () => {
  const spec = describeProjection(invitationsProjection);
  const [org, inviter] = [randomUUID(), randomUUID()];
  const sent = (id: string, email: string) => fact(InvitationSent.of({ invitation_id: id, org_id: org, email, role: "member",
    invited_by: inviter, token_hash: "f".repeat(64), expires_at: "2026-01-08T00:00:00.000Z" }),
    { stream: `invitation-${id}`, at: new Date("2026-01-01T00:00:00Z") });

  it("lists invitations with how they ended, never the token's hash", async () => {
    const [a, b, c, user] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const given = await spec().given(sent(a, "a@example.test"), sent(b, "b@example.test"), sent(c, "c@example.test"),
      fact(InvitationAccepted.of({ invitation_id: a, org_id: org, user_id: user }), { stream: `invitation-${a}` }),
      fact(InvitationRevoked.of({ invitation_id: b, org_id: org, revoked_by: inviter }), { stream: `invitation-${b}` }));
    await given.expectRows("select email, role, status, accepted_by, expires_at from invitations order by email", [
      { email: "a@example.test", role: "member", status: "accepted", accepted_by: user, expires_at: new Date("2026-01-08T00:00:00Z") },
      { email: "b@example.test", role: "member", status: "revoked", accepted_by: null, expires_at: new Date("2026-01-08T00:00:00Z") },
      { email: "c@example.test", role: "member", status: "pending", accepted_by: null, expires_at: new Date("2026-01-08T00:00:00Z") },
    ]);
    await given.expectRows("select count(*)::int as n from invitations i where i::text like '%ffffffff%'", [{ n: 0 }]);
  });
});
