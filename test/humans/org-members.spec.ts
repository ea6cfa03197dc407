/** Organisation members over HTTP: list, change role, remove, with the owner and role rules. */
import { expect } from "chai";
import { registerUser } from "../../src/humans/register.js";
import { hashPassword } from "../../src/humans/passwords.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { createUser, type TestUser } from "../support/identity.js";

describe("organisation members over HTTP", () => {
  let server: TestServer;
  let owner: TestUser;
  let other: TestUser;

  /** A user who joins the owner's org directly (the events the CLI's --org writes; invitations: invitations.spec.ts). */
  async function joinOwnersOrg(role: "admin" | "member", name: string): Promise<{ id: string; token: string; email: string }> {
    const email = `${name}-${Date.now()}@example.test`;
    const password = `${name} password`;
    const { userId } = await registerUser(server.server.services.bus, {
      email, authMethod: "password", passwordHash: await hashPassword(password), join: { orgId: owner.orgId, role },
    }, { actor: { type: "user", id: owner.userId } });
    const login = await server.request("POST", "/v1/auth/token", { body: { email, password } });
    expect(login.status).to.equal(200);
    return { id: userId, token: login.body.access_token, email };
  }

  before(async () => {
    server = await startTestServer("humans-members");
    owner = await createUser(server);
    other = await createUser(server);
  });
  after(async () => server?.close());

  it("lists the members of the caller's organisation only", async () => {
    const member = await joinOwnersOrg("member", "lister");
    const list = await server.request("GET", "/v1/org/members", { token: member.token });
    expect(list.status).to.equal(200);
    const ids = list.body.members.map((m: { id: string }) => m.id);
    expect(ids).to.include.members([owner.userId, member.id]);
    expect(ids).to.not.include(other.userId);
    expect(list.body.members.find((m: { id: string }) => m.id === owner.userId)).to.include({ role: "owner", email: owner.email });
  });

  it("lets owners change roles, but not members, and admins never touch owners", async () => {
    const member = await joinOwnersOrg("member", "climber");
    const admin = await joinOwnersOrg("admin", "admin");
    const byMember = await server.request("PATCH", `/v1/org/members/${admin.id}`, { token: member.token, body: { role: "member" } });
    expect(byMember.status).to.equal(403);
    const promoted = await server.request("PATCH", `/v1/org/members/${member.id}`, { token: admin.token, body: { role: "admin" } });
    expect(promoted.status).to.equal(200);
    expect(promoted.body).to.include({ id: member.id, role: "admin" });
    const toOwner = await server.request("PATCH", `/v1/org/members/${member.id}`, { token: admin.token, body: { role: "owner" } });
    expect(toOwner.status).to.equal(403);
    const demoteOwner = await server.request("PATCH", `/v1/org/members/${owner.userId}`, { token: admin.token, body: { role: "member" } });
    expect(demoteOwner.status).to.equal(403);
    const byOwner = await server.request("PATCH", `/v1/org/members/${member.id}`, { token: owner.accessToken, body: { role: "owner" } });
    expect(byOwner.body.role).to.equal("owner");
    // The role in the read model is what the next request is authorised with.
    const me = await server.request("GET", "/v1/auth/me", { token: member.token });
    expect(me.body.role).to.equal("owner");
  });

  it("keeps at least one owner", async () => {
    const solo = await createUser(server);
    const demote = await server.request("PATCH", `/v1/org/members/${solo.userId}`, { token: solo.accessToken, body: { role: "admin" } });
    expect(demote.status).to.equal(409);
    expect(demote.body.detail).to.match(/at least one owner/);
  });

  it("removes a member, whose tokens then stop working", async () => {
    const leaver = await joinOwnersOrg("member", "leaver");
    const removed = await server.request("DELETE", `/v1/org/members/${leaver.id}`, { token: owner.accessToken });
    expect(removed.status).to.equal(204);
    expect((await server.request("GET", "/v1/auth/me", { token: leaver.token })).status).to.equal(401);
    const list = await server.request("GET", "/v1/org/members", { token: owner.accessToken });
    expect(list.body.members.map((m: { id: string }) => m.id)).to.not.include(leaver.id);
    expect((await server.request("DELETE", `/v1/org/members/${leaver.id}`, { token: owner.accessToken })).status).to.equal(404);
  });

  it("answers 404 for users of other organisations and for ids that are none, 400 for malformed input", async () => {
    expect((await server.request("DELETE", `/v1/org/members/${other.userId}`, { token: owner.accessToken })).status).to.equal(404);
    expect((await server.request("PATCH", `/v1/org/members/${other.userId}`, { token: owner.accessToken, body: { role: "admin" } }))
      .status).to.equal(404);
    expect((await server.request("PATCH", `/v1/org/members/not-a-uuid`, { token: owner.accessToken, body: { role: "admin" } }))
      .status).to.equal(404);
    expect((await server.request("PATCH", `/v1/org/members/${owner.userId}`, { token: owner.accessToken, body: { role: "god" } }))
      .status).to.equal(400);
  });

  it("is for humans: an agent's key gets 403", async () => {
    const created = await server.request("POST", "/v1/agents", { token: owner.accessToken, body: { name: "member-bot" } });
    expect(created.status).to.equal(201);
    const agentKey = created.body.api_key as string;
    expect((await server.request("GET", "/v1/org/members", { token: agentKey })).status).to.equal(403);
    expect((await server.request("GET", "/v1/auth/me", { token: agentKey })).status).to.equal(403);
    expect((await server.request("PATCH", `/v1/org/members/${owner.userId}`, { token: agentKey, body: { role: "member" } }))
      .status).to.equal(403);
  });
});
