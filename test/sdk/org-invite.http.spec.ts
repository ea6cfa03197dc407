/** The SDK's invitations against the real server: invite, list, the invitee joining by the mailed token, revoke. */
import { expect } from "chai";
import { randomUUID } from "node:crypto";
import { createClient } from "../../src/sdk/index.js";
import { lastMailTo } from "../support/identity.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { ok, ownerOf, type Owner } from "./fixtures.js";

describe("SDK org invitations against the real server", () => {
  let server: TestServer;
  let owner: Owner;

  before(async () => {
    server = await startTestServer("sdk-invite");
    owner = await ownerOf(server);
  });
  after(async () => server?.close());

  it("invites (1claw's org.invite), lists, and the invitee joins with the role; revokes another", async () => {
    const email = `sdk-invitee-${randomUUID()}@example.test`;
    expect(ok(await owner.client.org.invite(email, "admin"))).to.deep.equal({ message: `invitation sent to ${email}`, email });
    const token = /accept-invite:\n(\S+)\n/.exec(await lastMailTo(server, email))![1];
    const accepted = await server.request("POST", "/v1/auth/accept-invite", { body: { token, password: `pw-${randomUUID()}` } });
    expect(accepted.status).to.equal(200);
    const invitee = createClient({ baseUrl: server.url, token: accepted.body.access_token });
    expect(ok(await invitee.auth.getMe())).to.include({ org_id: owner.orgId, role: "admin" });
    expect(ok(await owner.client.org.listMembers()).members.map((m) => m.email)).to.include(email);

    const other = `sdk-revoked-${randomUUID()}@example.test`;
    ok(await owner.client.org.invite(other));
    const listed = ok(await owner.client.org.listInvitations()).invitations;
    expect(listed.find((i) => i.email === email)).to.include({ role: "admin", status: "accepted" });
    const pending = listed.find((i) => i.email === other)!;
    expect(pending).to.include({ role: "member", status: "pending" });
    expect((await owner.client.org.revokeInvitation(pending.id)).meta.status).to.equal(204);
    expect(ok(await owner.client.org.listInvitations()).invitations.find((i) => i.id === pending.id)?.status).to.equal("revoked");
    const again = await owner.client.org.revokeInvitation(pending.id);
    expect(again.data).to.equal(null);
    expect(again.meta.status).to.equal(409);
  });
});
