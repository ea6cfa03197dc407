/** Signup, verification, login, profile, password and account deletion over HTTP against the real server. */
import { expect } from "chai";
import { startTestServer, type TestServer } from "../support/server.js";
import { createUser, lastMailTo, verificationTokenFor } from "../support/identity.js";
import { storedEvents } from "../support/events.js";

describe("human accounts over HTTP", () => {
  let server: TestServer;
  before(async () => { server = await startTestServer("humans-accounts"); });
  after(async () => server?.close());

  describe("signup and email verification", () => {
    it("creates the user and their organisation, with the user as owner", async () => {
      const user = await createUser(server, { email: "Ada@Example.test" });
      const me = await server.request("GET", "/v1/auth/me", { token: user.accessToken });
      expect(me.status).to.equal(200);
      expect(me.body).to.include({ id: user.userId, org_id: user.orgId, email: "ada@example.test", role: "owner",
        auth_method: "password", email_verified: true, totp_enabled: false });
    });

    it("does not create anything before the address is verified", async () => {
      const email = "pending@example.test";
      const signup = await server.request("POST", "/v1/auth/signup", { body: { email, password: "long enough pw" } });
      expect(signup.status).to.equal(200);
      expect(signup.body.email).to.equal(email);
      const login = await server.request("POST", "/v1/auth/token", { body: { email, password: "long enough pw" } });
      expect(login.status).to.equal(401);
    });

    it("refuses a verification token twice, and tampered or malformed tokens", async () => {
      const email = "twice@example.test";
      await server.request("POST", "/v1/auth/signup", { body: { email, password: "long enough pw" } });
      const token = await verificationTokenFor(server, email);
      const [id, secret] = token.split(".");
      const tampered = `${id}.${secret.slice(0, -2)}${secret.endsWith("AA") ? "BB" : "AA"}`;
      expect((await server.request("POST", "/v1/auth/verify-email", { body: { token: tampered } })).status).to.equal(400);
      expect((await server.request("POST", "/v1/auth/verify-email", { body: { token: "nonsense" } })).status).to.equal(400);
      expect((await server.request("POST", "/v1/auth/verify-email", { body: { token } })).status).to.equal(200);
      const again = await server.request("POST", "/v1/auth/verify-email", { body: { token } });
      expect(again.status).to.equal(400);
      expect(again.body).to.include({ status: 400, title: "Bad Request" });
    });

    it("does not reveal an existing account: same answer, and the owner is told by mail", async () => {
      const user = await createUser(server);
      const again = await server.request("POST", "/v1/auth/signup", { body: { email: user.email, password: "another password" } });
      expect(again.status).to.equal(200);
      expect(await lastMailTo(server, user.email)).to.include("already has an account");
    });

    it("answers 409 when two verified signups race for one address", async () => {
      const email = "race@example.test";
      await server.request("POST", "/v1/auth/signup", { body: { email, password: "first password" } });
      const first = await verificationTokenFor(server, email);
      await server.request("POST", "/v1/auth/signup", { body: { email, password: "second password" } });
      const second = await verificationTokenFor(server, email);
      expect((await server.request("POST", "/v1/auth/verify-email", { body: { token: first } })).status).to.equal(200);
      const lost = await server.request("POST", "/v1/auth/verify-email", { body: { token: second } });
      expect(lost.status).to.equal(409);
    });

    it("answers 400 problems for malformed bodies, never 500", async () => {
      for (const body of [{}, { email: "not-an-address", password: "long enough pw" }, { email: "a@b.test", password: "short" },
        { email: 42, password: [] }]) {
        const response = await server.request("POST", "/v1/auth/signup", { body });
        expect(response.status, JSON.stringify(body)).to.equal(400);
        expect(response.headers.get("content-type")).to.match(/application\/problem\+json/);
      }
      expect((await server.request("POST", "/v1/auth/signup", { body: "{not json" })).status).to.equal(400);
      expect((await server.request("POST", "/v1/auth/token", { body: { email: "x@y.test" } })).status).to.equal(400);
    });
  });

  describe("login", () => {
    it("answers a bearer token for the right password", async () => {
      const user = await createUser(server);
      const login = await server.request("POST", "/v1/auth/token", { body: { email: user.email.toUpperCase(), password: user.password } });
      expect(login.status).to.equal(200);
      expect(login.body).to.include({ token_type: "Bearer", expires_in: 3600 });
      expect(login.body.access_token).to.be.a("string");
    });

    it("refuses a wrong password and an unknown address alike, and records the failure", async () => {
      const user = await createUser(server);
      const wrong = await server.request("POST", "/v1/auth/token", { body: { email: user.email, password: "wrong password" } });
      const unknown = await server.request("POST", "/v1/auth/token", { body: { email: "nobody@example.test", password: "x" } });
      expect(wrong.status).to.equal(401);
      expect(unknown.status).to.equal(401);
      expect(wrong.body.detail).to.equal(unknown.body.detail);
      const failures = await storedEvents(server.server.store, { stream: `login-${user.userId}`, type: "LoginFailed" });
      expect(failures).to.have.length(1);
    });
  });

  it("answers 404 for Google sign-in when no client id is configured", async () => {
    const response = await server.request("POST", "/v1/auth/google", { body: { id_token: "x.y.z" } });
    expect(response.status).to.equal(404);
  });

  describe("profile", () => {
    it("updates the display name and marketing preference", async () => {
      const user = await createUser(server);
      const patched = await server.request("PATCH", "/v1/auth/me",
        { token: user.accessToken, body: { display_name: "Ada L.", marketing_emails: true, unknown_field: 1 } });
      expect(patched.status).to.equal(200);
      expect(patched.body).to.include({ display_name: "Ada L.", marketing_emails: true });
      expect((await server.request("PATCH", "/v1/auth/me", { token: user.accessToken, body: { display_name: "" } })).status)
        .to.equal(400);
    });

    it("needs authentication", async () => {
      expect((await server.request("GET", "/v1/auth/me")).status).to.equal(401);
      expect((await server.request("GET", "/v1/auth/me", { token: "not.a.jwt" })).status).to.equal(401);
    });
  });

  describe("change password", () => {
    it("needs the current password, then only the new one works", async () => {
      const user = await createUser(server);
      const wrong = await server.request("POST", "/v1/auth/change-password",
        { token: user.accessToken, body: { current_password: "wrong", new_password: "a new password" } });
      expect(wrong.status).to.equal(400);
      const short = await server.request("POST", "/v1/auth/change-password",
        { token: user.accessToken, body: { current_password: user.password, new_password: "short" } });
      expect(short.status).to.equal(400);
      const changed = await server.request("POST", "/v1/auth/change-password",
        { token: user.accessToken, body: { current_password: user.password, new_password: "a new password" } });
      expect(changed.status).to.equal(204);
      expect((await server.request("POST", "/v1/auth/token", { body: { email: user.email, password: user.password } })).status)
        .to.equal(401);
      expect((await server.request("POST", "/v1/auth/token", { body: { email: user.email, password: "a new password" } })).status)
        .to.equal(200);
    });
  });

  describe("account deletion", () => {
    it("needs the exact confirmation and the password in X-Auth-Confirm, then the account and its tokens stop working", async () => {
      const user = await createUser(server);
      const confirmed = { "x-auth-confirm": user.password };
      const vague = await server.request("DELETE", "/v1/auth/me", { token: user.accessToken, headers: confirmed, body: { confirmation: "yes" } });
      expect(vague.status).to.equal(400);
      expect((await server.request("DELETE", "/v1/auth/me", { token: user.accessToken, headers: confirmed, body: {} })).status).to.equal(400);
      const exact = { confirmation: "DELETE MY ACCOUNT" };
      const unconfirmed = await server.request("DELETE", "/v1/auth/me", { token: user.accessToken, body: exact });
      expect(unconfirmed.status).to.equal(403);
      expect(unconfirmed.body.detail).to.include("X-Auth-Confirm");
      const wrong = await server.request("DELETE", "/v1/auth/me", { token: user.accessToken, headers: { "x-auth-confirm": "not it" }, body: exact });
      expect(wrong.status).to.equal(403);
      expect((await server.request("GET", "/v1/auth/me", { token: user.accessToken })).status, "still there").to.equal(200);
      const deleted = await server.request("DELETE", "/v1/auth/me", { token: user.accessToken, headers: confirmed, body: exact });
      expect(deleted.status).to.equal(204);
      expect((await server.request("GET", "/v1/auth/me", { token: user.accessToken })).status).to.equal(401);
      expect((await server.request("POST", "/v1/auth/token", { body: { email: user.email, password: user.password } })).status)
        .to.equal(401);
    });

    it("frees the address for a new signup", async () => {
      const user = await createUser(server);
      await server.request("DELETE", "/v1/auth/me", { token: user.accessToken, headers: { "x-auth-confirm": user.password },
        body: { confirmation: "DELETE MY ACCOUNT" } });
      const again = await createUser(server, { email: user.email });
      expect(again.userId).to.not.equal(user.userId);
    });
  });
});
