/** POST /v1/auth/google against a local OpenID Connect issuer (its JWKS served on a free port). */
import { expect } from "chai";
import { startOidcIssuer, type OidcIssuer } from "../support/oidc-issuer.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { createUser } from "../support/identity.js";

const CLIENT_ID = "keyledger-test-client.apps.example";

describe("sign-in with Google (OpenID Connect)", () => {
  let issuer: OidcIssuer;
  let server: TestServer;

  before(async () => {
    issuer = await startOidcIssuer(CLIENT_ID);
    server = await startTestServer("humans-google", { google: issuer.google });
  });
  after(async () => {
    await server?.close();
    await issuer?.close();
  });

  const idToken: OidcIssuer["idToken"] = (claims, options) => issuer.idToken(claims, options);
  const google = (id_token: string) => server.request("POST", "/v1/auth/google", { body: { id_token } });

  it("signs up a new verified address, then signs the same account in", async () => {
    const first = await google(await idToken({ sub: "g-1", email: "Grace@Example.test", name: "Grace" }));
    expect(first.status).to.equal(200);
    const me = await server.request("GET", "/v1/auth/me", { token: first.body.access_token });
    expect(me.body).to.include({ email: "grace@example.test", auth_method: "google", role: "owner", display_name: "Grace" });
    const again = await google(await idToken({ sub: "g-1", email: "grace@example.test" }));
    const meAgain = await server.request("GET", "/v1/auth/me", { token: again.body.access_token });
    expect(meAgain.body.id).to.equal(me.body.id);
  });

  it("checks the nonce when the client sends the one it asked for", async () => {
    const token = await idToken({ sub: "g-9", email: "nonce@example.test", nonce: "n-0f3a" });
    const send = (nonce: string) => server.request("POST", "/v1/auth/google", { body: { id_token: token, nonce } });
    expect((await send("n-other")).status).to.equal(401);
    const withoutNonce = await idToken({ sub: "g-9", email: "nonce@example.test" });
    expect((await server.request("POST", "/v1/auth/google", { body: { id_token: withoutNonce, nonce: "n-0f3a" } })).status)
      .to.equal(401);
    expect((await send("n-0f3a")).status).to.equal(200);
  });

  it("signs into an existing password account with the same verified address", async () => {
    const user = await createUser(server);
    const response = await google(await idToken({ sub: "g-2", email: user.email }));
    expect(response.status).to.equal(200);
    expect((await server.request("GET", "/v1/auth/me", { token: response.body.access_token })).body.id).to.equal(user.userId);
  });

  it("refuses tokens of another key, issuer or audience, expired ones and unverified addresses", async () => {
    const claims = { sub: "g-3", email: "mallory@example.test" };
    const refused = [
      await idToken(claims, { stranger: true }),
      await idToken(claims, { iss: "https://evil.example" }),
      await idToken(claims, { aud: "someone-else" }),
      await idToken(claims, { exp: Math.floor(Date.now() / 1000) - 600 }),
      await idToken({ ...claims, email_verified: false }),
      "not.a.token",
    ];
    for (const token of refused) {
      const response = await google(token);
      expect(response.status).to.equal(401);
      expect(response.body.detail).to.equal("the Google ID token was not accepted");
    }
    expect((await server.request("POST", "/v1/auth/google", { body: {} })).status).to.equal(400);
    const list = await server.server.db.query(`select 1 from users where email = 'mallory@example.test'`);
    expect(list.rows).to.have.length(0);
  });
});
