/** Organisation invitations over HTTP: invite by mail, sign up with the link into the org, expiry, revocation. */
import { expect } from "chai";
import { randomUUID } from "node:crypto";
import { INVITATION_TTL_MS } from "../../commands/invitation.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { createUser, lastMailTo, type TestUser } from "../support/identity.js";

describe("organisation invitations over HTTP", () => {
  let server: TestServer;
  let owner: TestUser;
  let other: TestUser;

  const newAddress = (name: string) => `${name}-${randomUUID()}@example.test`;
  async function invite(email: string, role?: string, token = owner.accessToken) {
    return server.request("POST", "/v1/org/invite", { token, body: role ? { email, role } : { email } });
  }
  async function invitationTokenFor(email: string): Promise<string> {
    const match = /accept-invite:\n(\S+)\n/.exec(await lastMailTo(server, email));
    if (!match) throw new Error(`no invitation token in the last mail to ${email}`);
    return match[1];
  }
  async function invitations(token = owner.accessToken) {
    const list = await server.request("GET", "/v1/org/invites", { token });
    expect(list.status).to.equal(200);
    return list.body.invitations as Array<{ id: string; email: string; role: string; status: string; invited_by: string }>;
  }

  before(async () => {
    server = await startTestServer("humans-invitations");
    owner = await createUser(server);
    other = await createUser(server);
  });
  after(async () => server?.close());

  it("mails an invitation whose link signs the invitee up into the org with the invited role, once", async () => {
    const email = newAddress("ann");
    const sent = await invite(email.toUpperCase(), "admin");
    expect(sent.status).to.equal(200);
    expect(sent.body).to.deep.equal({ message: `invitation sent to ${email}`, email });
    const mail = await lastMailTo(server, email);
    const token = await invitationTokenFor(email);
    expect(mail).to.include(`/accept-invite?token=${encodeURIComponent(token)}`);
    expect(mail).to.include(`${owner.email} invites you to join their organisation on Keyledger as admin`);
    const pending = (await invitations()).find((i) => i.email === email);
    expect(pending).to.include({ role: "admin", status: "pending", invited_by: owner.userId });

    const password = `ann ${randomUUID()}`;
    const accepted = await server.request("POST", "/v1/auth/accept-invite", { body: { token, password, display_name: "Ann" } });
    expect(accepted.status).to.equal(200);
    const me = await server.request("GET", "/v1/auth/me", { token: accepted.body.access_token });
    expect(me.body).to.include({ org_id: owner.orgId, role: "admin", email, display_name: "Ann" });
    const login = await server.request("POST", "/v1/auth/token", { body: { email, password } });
    expect(login.status).to.equal(200);
    const members = await server.request("GET", "/v1/org/members", { token: owner.accessToken });
    expect(members.body.members.find((m: { email: string }) => m.email === email)).to.include({ id: me.body.id, role: "admin" });
    expect((await invitations()).find((i) => i.email === email)?.status).to.equal("accepted");
    // The owner's audit log tells the story, by action, without the token.
    const audit = await server.request("GET", "/v1/audit/events?limit=1000", { token: owner.accessToken });
    const actions = audit.body.events.map((e: { action: string }) => e.action);
    expect(actions).to.include.members(["org.invite", "org.invite_accept", "org.member_join"]);
    expect(JSON.stringify(audit.body)).to.not.include(token.split(".")[1]);

    const again = await server.request("POST", "/v1/auth/accept-invite", { body: { token, password: "another long password" } });
    expect(again.status).to.equal(400);
    expect(again.body.detail).to.match(/invalid, already used, revoked or expired/);
    // An admin invites too; the role defaults to member.
    const byAdmin = await invite(newAddress("ben"), undefined, accepted.body.access_token);
    expect(byAdmin.status).to.equal(200);
    expect((await invitations()).find((i) => i.email === byAdmin.body.email)?.role).to.equal("member");
  });

  it("lets only owners and admins invite, and never as owner", async () => {
    const email = newAddress("carl");
    await invite(email, "member");
    const member = await server.request("POST", "/v1/auth/accept-invite",
      { body: { token: await invitationTokenFor(email), password: `carl ${randomUUID()}` } });
    const memberToken = member.body.access_token;
    expect((await invite(newAddress("dora"), "member", memberToken)).status).to.equal(403);
    expect((await server.request("GET", "/v1/org/invites", { token: memberToken })).status).to.equal(403);
    expect((await invite(newAddress("eve"), "owner")).status).to.equal(400);
    expect((await invite("not an address", "member")).status).to.equal(400);
    expect((await server.request("POST", "/v1/org/invite", { body: { email: newAddress("fay") } })).status).to.equal(401);
  });

  it("revokes a pending invitation within the org only", async () => {
    const email = newAddress("hal");
    await invite(email);
    const token = await invitationTokenFor(email);
    const { id } = (await invitations()).find((i) => i.email === email)!;
    expect((await server.request("DELETE", `/v1/org/invites/${id}`, { token: other.accessToken })).status).to.equal(404);
    expect((await server.request("DELETE", `/v1/org/invites/${id}`, { token: owner.accessToken })).status).to.equal(204);
    expect((await server.request("DELETE", `/v1/org/invites/${id}`, { token: owner.accessToken })).status).to.equal(409);
    expect((await server.request("DELETE", `/v1/org/invites/${randomUUID()}`, { token: owner.accessToken })).status).to.equal(404);
    expect((await server.request("DELETE", "/v1/org/invites/not-an-id", { token: owner.accessToken })).status).to.equal(404);
    const accept = await server.request("POST", "/v1/auth/accept-invite", { body: { token, password: `hal ${randomUUID()}` } });
    expect(accept.status).to.equal(400);
    expect((await invitations()).find((i) => i.email === email)?.status).to.equal("revoked");
    expect((await invitations(other.accessToken)).map((i) => i.id)).to.not.include(id);
  });

  it("answers the inviter alike for an address with an account; its holder then gets 409, their account untouched", async () => {
    const fresh = await invite(newAddress("ida"));
    const existing = await invite(other.email);
    expect(existing.status).to.equal(fresh.status);
    expect(Object.keys(existing.body)).to.deep.equal(Object.keys(fresh.body));
    const token = await invitationTokenFor(other.email);
    const accept = await server.request("POST", "/v1/auth/accept-invite", { body: { token, password: `other ${randomUUID()}` } });
    expect(accept.status).to.equal(409);
    expect(accept.body.detail).to.match(/already has a Keyledger account/);
    const me = await server.request("GET", "/v1/auth/me", { token: other.accessToken });
    expect(me.body).to.include({ org_id: other.orgId, role: "owner" });
    // A made-up or malformed token says no more than a spent one.
    for (const bad of [`${randomUUID()}.${"A".repeat(43)}`, "garbage"]) {
      const response = await server.request("POST", "/v1/auth/accept-invite", { body: { token: bad, password: "long enough password" } });
      expect(response.status).to.equal(400);
    }
  });

  it("keeps the token out of the logs", async () => {
    const email = newAddress("jo");
    await invite(email);
    const token = await invitationTokenFor(email);
    await server.request("POST", "/v1/auth/accept-invite", { body: { token, password: `jo ${randomUUID()}` } });
    expect(server.logs()).to.not.include(token.split(".")[1]);
  });

  it("expires after seven days on the server's clock", async () => {
    const email = newAddress("gil");
    await invite(email);
    const token = await invitationTokenFor(email);
    server.clock.advance(INVITATION_TTL_MS + 1000);
    const late = await server.request("POST", "/v1/auth/accept-invite", { body: { token, password: `gil ${randomUUID()}` } });
    expect(late.status).to.equal(400);
    // The owner's own token has expired with it: sign in again (this test runs last, the clock never goes back).
    const login = await server.request("POST", "/v1/auth/token", { body: { email: owner.email, password: owner.password } });
    owner = { ...owner, accessToken: login.body.access_token };
    expect((await invitations()).find((i) => i.email === email)?.status).to.equal("expired");
  });
});
