/**
 * Issue 9, point 8: credentials do not outlive their change. Tokens issued before a password change, an
 * agent key rotation or an account deletion stop working at once; tokens issued afterwards work.
 */
import { expect } from "chai";
import { createUser } from "../support/identity.js";
import { startTestServer, type TestServer } from "../support/server.js";

describe("tokens issued before a credential change are revoked (issue 9.8)", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer("credential-revocation");
  });
  after(() => server?.close());

  const me = (token: string) => server.request("GET", "/v1/auth/me", { token });

  it("revokes a user's tokens when the password changes, and accepts the ones issued after", async () => {
    const user = await createUser(server);
    const second = (await server.request("POST", "/v1/auth/token", { body: { email: user.email, password: user.password } })).body.access_token;
    expect((await me(second)).status).to.equal(200);
    const changed = await server.request("POST", "/v1/auth/change-password", {
      token: user.accessToken, body: { current_password: user.password, new_password: "a-new-password-123" } });
    expect(changed.status, JSON.stringify(changed.body)).to.equal(204);
    expect((await me(user.accessToken)).status).to.equal(401);
    expect((await me(second)).status).to.equal(401);
    const fresh = await server.request("POST", "/v1/auth/token", { body: { email: user.email, password: "a-new-password-123" } });
    expect(fresh.status).to.equal(200);
    expect((await me(fresh.body.access_token)).status).to.equal(200);
  });

  it("revokes an agent's tokens when its API key is rotated", async () => {
    const user = await createUser(server);
    const created = await server.request("POST", "/v1/agents", { token: user.accessToken, body: { name: "rotating" } });
    expect(created.status).to.equal(201);
    const exchange = (apiKey: string) => server.request("POST", "/v1/auth/agent-token", { body: { api_key: apiKey } });
    const old = (await exchange(created.body.api_key)).body.access_token;
    const self = (token: string) => server.request("GET", "/v1/agents/me", { token });
    expect((await self(old)).status).to.equal(200);
    const rotated = await server.request("POST", `/v1/agents/${created.body.agent.id}/rotate-key`, { token: user.accessToken });
    expect(rotated.status).to.equal(200);
    expect((await self(old)).status).to.equal(401);
    expect((await self(created.body.api_key)).status).to.equal(401);
    const fresh = (await exchange(rotated.body.api_key)).body.access_token;
    expect((await self(fresh)).status).to.equal(200);
  });

  it("revokes the tokens and keys of a deleted account, also after the address signs up again", async () => {
    const user = await createUser(server);
    const key = await server.request("POST", "/v1/auth/api-keys", { token: user.accessToken, body: { name: "k" } });
    expect(key.status, JSON.stringify(key.body)).to.equal(201);
    const deleted = await server.request("DELETE", "/v1/auth/me", { token: user.accessToken,
      headers: { "x-auth-confirm": user.password }, body: { confirmation: "DELETE MY ACCOUNT" } });
    expect(deleted.status, JSON.stringify(deleted.body)).to.equal(204);
    expect((await me(user.accessToken)).status).to.equal(401);
    expect((await me(key.body.api_key)).status).to.equal(401);
    const again = await createUser(server, { email: user.email });
    expect(again.userId).to.not.equal(user.userId);
    expect((await me(user.accessToken)).status).to.equal(401);
  });
});
