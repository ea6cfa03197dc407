/** The routes and field names the 1claw CLI uses beyond the published spec (reference Q1). */
import { expect } from "chai";
import { createUser, type TestUser } from "../support/identity.js";
import { startTestServer, type TestServer } from "../support/server.js";

describe("routes the 1claw CLI calls", () => {
  let server: TestServer;
  let human: TestUser;
  let other: TestUser;
  let vaultId: string;

  before(async () => {
    server = await startTestServer("cli-routes");
    human = await createUser(server);
    other = await createUser(server);
    const vault = await server.request("POST", "/v1/vaults", { token: human.accessToken, body: { name: "cli-routes" } });
    vaultId = vault.body.id;
  });
  after(() => server?.close());

  const put = (path: string, body: unknown) =>
    server.request("PUT", `/v1/vaults/${vaultId}/secrets/${path}`, { token: human.accessToken, body });

  it("accepts secret_type as an alias of type, and lists both with updated_at", async () => {
    expect((await put("config/env", { value: "A=1\nB=2", secret_type: "env_bundle" })).body.type).to.equal("env_bundle");
    expect((await put("api-keys/stripe", { value: "sk_test_1", type: "api_key", secret_type: "api_key" })).status).to.equal(201);
    expect((await put("db/password", { value: "hunter2" })).body.type, "the spec's default type").to.equal("generic");
    const clash = await put("db/other", { value: "x", type: "password", secret_type: "note" });
    expect(clash.status).to.equal(400);
    expect(clash.body.detail).to.include("secret_type");
    const list = await server.request("GET", `/v1/vaults/${vaultId}/secrets`, { token: human.accessToken });
    const env = list.body.secrets.find((s: { path: string }) => s.path === "config/env");
    expect(env).to.include({ type: "env_bundle", secret_type: "env_bundle" });
    expect(Date.parse(env.updated_at)).to.be.greaterThan(0);
  });

  it("GET /v1/audit answers a bare array, filtered by vault and action", async () => {
    const all = await server.request("GET", `/v1/audit?limit=5`, { token: human.accessToken });
    expect(all.status).to.equal(200);
    expect(all.body).to.be.an("array").with.length.within(1, 5);
    const writes = await server.request("GET", `/v1/audit?vault_id=${vaultId}&action=secret.write`, { token: human.accessToken });
    expect(writes.body).to.have.length(3);
    for (const entry of writes.body) expect(entry).to.include({ action: "secret.write" });
    const created = await server.request("GET", `/v1/audit?vault_id=${vaultId}&action=vault.create`, { token: human.accessToken });
    expect(created.body).to.have.length(1);
    const elsewhere = await server.request("GET", `/v1/audit?vault_id=${other.orgId}`, { token: human.accessToken });
    expect(elsewhere.body).to.deep.equal([]);
  });

  it("POST/GET/DELETE /v1/shares alias the share routes, with email or recipient_email", async () => {
    const secret = await put("shared/one", { value: "share-me" });
    const expires = new Date(Date.now() + 3600_000).toISOString();
    const created = await server.request("POST", "/v1/shares", { token: human.accessToken, body: {
      secret_id: secret.body.id, recipient_type: "external_email", recipient_email: other.email, expires_at: expires } });
    expect(created.status).to.equal(201);
    expect(created.body).to.include({ secret_id: secret.body.id, recipient_email: other.email });
    const viaEmail = await server.request("POST", "/v1/shares", { token: human.accessToken, body: {
      secret_id: secret.body.id, recipient_type: "external_email", email: other.email, expires_at: expires } });
    expect(viaEmail.status).to.equal(201);

    const outbound = await server.request("GET", "/v1/shares?direction=outbound", { token: human.accessToken });
    expect(outbound.body.shares.map((s: { id: string }) => s.id)).to.include.members([created.body.id, viaEmail.body.id]);
    const byDefault = await server.request("GET", "/v1/shares", { token: human.accessToken });
    expect(byDefault.body.shares).to.have.length(outbound.body.shares.length);
    const toUser = await server.request("POST", "/v1/shares", { token: human.accessToken, body: {
      secret_id: secret.body.id, recipient_type: "user", recipient_id: other.userId, expires_at: expires } });
    const inbound = await server.request("GET", "/v1/shares?direction=inbound", { token: other.accessToken });
    expect(inbound.body.shares.map((s: { id: string }) => s.id)).to.deep.equal([toUser.body.id]);
    expect((await server.request("GET", "/v1/shares?direction=sideways", { token: human.accessToken })).status).to.equal(400);

    expect((await server.request("DELETE", `/v1/shares/${created.body.id}`, { token: other.accessToken })).status).to.equal(403);
    expect((await server.request("DELETE", `/v1/shares/${created.body.id}`, { token: human.accessToken })).status).to.equal(204);
    const after = await server.request("GET", "/v1/shares?direction=outbound", { token: human.accessToken });
    expect(after.body.shares.find((s: { id: string }) => s.id === created.body.id).status).to.equal("revoked");
  });

  it("POST /v1/agents/{id}/token mints a short-lived agent token for the agent's organisation only", async () => {
    const agent = await server.request("POST", "/v1/agents", { token: human.accessToken,
      body: { name: "minted", vault_ids: [vaultId], scopes: ["vault.read"] } });
    const agentId = agent.body.agent.id;
    const minted = await server.request("POST", `/v1/agents/${agentId}/token`, { token: human.accessToken });
    expect(minted.status).to.equal(200);
    expect(minted.body).to.include({ agent_id: agentId, token_type: "Bearer" });
    expect(minted.body.token).to.equal(minted.body.access_token);
    expect(minted.body.expires_in).to.be.within(1, 900);
    const self = await server.request("GET", `/v1/agents/${agentId}`, { token: minted.body.token });
    expect(self.status).to.equal(200);
    expect((await server.request("POST", `/v1/agents/${agentId}/token`, { token: other.accessToken })).status).to.equal(404);
    expect((await server.request("POST", `/v1/agents/${agentId}/token`, { token: minted.body.token })).status).to.equal(403);
  });
});
