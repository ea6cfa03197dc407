/**
 * Shroud router keys over HTTP against the real server: minted once in clear by an owner or admin for a
 * Shroud agent, listed by prefix, revoked; the 20-live-keys rule under concurrent mints; validation and
 * authorization refusals as RFC 7807 problems; the SDK's methods.
 */
import { expect } from "chai";
import { createClient } from "../../src/sdk/index.js";
import { memberOf, ok } from "../sdk/fixtures.js";
import { storedEvents, storedEventTexts } from "../support/events.js";
import { createUser, type TestUser } from "../support/identity.js";
import { startTestServer, type TestServer } from "../support/server.js";

const KEY_SHAPE = /^sk-shroud-v1-[0-9a-f]{16}[A-Za-z0-9_-]{43}$/;

describe("router keys over HTTP", function () {
  let server: TestServer;
  let owner: TestUser;
  let stranger: TestUser;
  const plaintexts: string[] = [];

  before(async () => {
    server = await startTestServer("router-keys", { shroudUrl: "https://shroud.example.test" });
    owner = await createUser(server);
    stranger = await createUser(server);
  });
  after(() => server?.close());

  const post = (path: string, body: unknown, token = owner.accessToken) => server.request("POST", path, { token, body });

  async function newAgent(fields: Record<string, unknown> = { shroud_enabled: true }): Promise<string> {
    const res = await post("/v1/agents", { name: "llm-bot", ...fields });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body.agent.id;
  }

  async function mint(agentId: string, body: Record<string, unknown> = { name: "ci" }) {
    const res = await post(`/v1/agents/${agentId}/router-keys`, body);
    if (res.status === 201) plaintexts.push(res.body.key);
    return res;
  }

  function expectProblem(res: { status: number; headers: Headers; body: any }, status: number, detail: RegExp) {
    expect(res.status, JSON.stringify(res.body)).to.equal(status);
    expect(res.headers.get("content-type")).to.match(/^application\/problem\+json/);
    expect(res.body).to.include.keys("type", "title", "status", "detail");
    expect(res.body.status).to.equal(status);
    expect(res.body.detail).to.match(detail);
  }

  it("mints a key shown once with Shroud's base URL, and lists it by prefix only", async () => {
    const agentId = await newAgent();
    const res = await mint(agentId, { name: "openai-sdk", max_concurrent_streams: 5, spend_cap_usd: 12.5 });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(res.body.key).to.match(KEY_SHAPE);
    expect(res.body).to.deep.include({ agent_id: agentId, name: "openai-sdk", max_concurrent_streams: 5, spend_cap_usd: 12.5,
      base_url: "https://shroud.example.test/v1", is_active: true, revoked_at: null, created_by: owner.userId });
    expect(res.body.key.startsWith(res.body.key_prefix)).to.equal(true);
    expect(res.body.key_prefix).to.have.length.lessThan(res.body.key.length - 40);

    const list = await server.request("GET", `/v1/agents/${agentId}/router-keys`, { token: owner.accessToken });
    expect(list.status).to.equal(200);
    expect(list.body.router_keys).to.have.length(1);
    const [listed] = list.body.router_keys;
    expect(Object.keys(listed).sort()).to.deep.equal(["agent_id", "created_at", "created_by", "id", "is_active", "key_prefix",
      "max_concurrent_streams", "name", "revoked_at", "spend_cap_usd"]);
    expect(listed).to.deep.include({ id: res.body.id, key_prefix: res.body.key_prefix, spend_cap_usd: 12.5, max_concurrent_streams: 5 });
    expect(JSON.stringify(list.body)).to.not.include(res.body.key);
  });

  it("defaults to 20 streams and no spend cap", async () => {
    const res = await mint(await newAgent());
    expect(res.status).to.equal(201);
    expect(res.body).to.deep.include({ max_concurrent_streams: 20, spend_cap_usd: null });
  });

  it("revokes a key (204, again 204), shows it revoked, and answers 404 for a key the agent never had", async () => {
    const agentId = await newAgent();
    const { body: key } = await mint(agentId);
    const path = `/v1/agents/${agentId}/router-keys/${key.id}`;
    expect((await server.request("DELETE", path, { token: owner.accessToken })).status).to.equal(204);
    expect((await server.request("DELETE", path, { token: owner.accessToken })).status).to.equal(204);
    const list = await server.request("GET", `/v1/agents/${agentId}/router-keys`, { token: owner.accessToken });
    expect(list.body.router_keys[0]).to.include({ id: key.id, is_active: false });
    expect(list.body.router_keys[0].revoked_at).to.be.a("string");
    expectProblem(await server.request("DELETE", `/v1/agents/${agentId}/router-keys/${crypto.randomUUID()}`,
      { token: owner.accessToken }), 404, /^router key .* not found$/);
    expectProblem(await server.request("DELETE", `/v1/agents/${agentId}/router-keys/not-a-uuid`, { token: owner.accessToken }), 404, /no such route/);
  });

  it("refuses a key for an agent without shroud_enabled (409)", async () => {
    const agentId = await newAgent({});
    expectProblem(await mint(agentId), 409, /shroud_enabled is false/);
  });

  it("refuses the 21st live key, and concurrent mints never pass 20", async () => {
    const agentId = await newAgent();
    const answers = await Promise.all(Array.from({ length: 24 }, (_, i) => mint(agentId, { name: `key-${i}` })));
    expect(answers.filter((r) => r.status === 201)).to.have.length(20);
    for (const refused of answers.filter((r) => r.status !== 201)) expectProblem(refused, 409, /at most 20 live router keys/);
    const list = await server.request("GET", `/v1/agents/${agentId}/router-keys`, { token: owner.accessToken });
    expect(list.body.router_keys).to.have.length(20);
    expectProblem(await mint(agentId, { name: "one more" }), 409, /at most 20 live router keys/);
    const [first] = list.body.router_keys;
    expect((await server.request("DELETE", `/v1/agents/${agentId}/router-keys/${first.id}`, { token: owner.accessToken })).status).to.equal(204);
    expect((await mint(agentId, { name: "after a revocation" })).status).to.equal(201);
  });

  it("validates the body with RFC 7807 problems, and never with a 500", async () => {
    const agentId = await newAgent();
    for (const [body, field] of [
      [{}, "name"], [{ name: "" }, "name"], [{ name: "x".repeat(201) }, "name"],
      [{ name: "k", max_concurrent_streams: 0 }, "max_concurrent_streams"], [{ name: "k", max_concurrent_streams: 1001 }, "max_concurrent_streams"],
      [{ name: "k", max_concurrent_streams: 2.5 }, "max_concurrent_streams"], [{ name: "k", spend_cap_usd: 0 }, "spend_cap_usd"],
      [{ name: "k", spend_cap_usd: -1 }, "spend_cap_usd"], [{ name: "k", spend_cap_usd: 100_001 }, "spend_cap_usd"],
      [{ name: "k", spend_cap_usd: "5" }, "spend_cap_usd"],
    ] as const) {
      expectProblem(await mint(agentId, body), 400, new RegExp(field));
    }
    expectProblem(await mint(agentId, { name: "k", spend_cap_usd: 1e-9 }), 400, /spend_cap_usd/);
    expectProblem(await post("/v1/agents/not-a-uuid/router-keys", { name: "k" }), 404, /no such route/);
  });

  it("lets only owners and admins of the agent's organisation mint and revoke; members may list", async () => {
    const agentId = await newAgent();
    const { body: key } = await mint(agentId);
    const login = async (email: string, password: string) =>
      (await server.request("POST", "/v1/auth/token", { body: { email, password } })).body.access_token as string;
    const member = await memberOf(server, owner, "member");
    const memberToken = await login(member.email, member.password);
    expectProblem(await post(`/v1/agents/${agentId}/router-keys`, { name: "k" }, memberToken), 403, /owner or admin/);
    expectProblem(await server.request("DELETE", `/v1/agents/${agentId}/router-keys/${key.id}`, { token: memberToken }), 403, /owner or admin/);
    expect((await server.request("GET", `/v1/agents/${agentId}/router-keys`, { token: memberToken })).status).to.equal(200);

    const admin = await memberOf(server, owner, "admin");
    const adminToken = await login(admin.email, admin.password);
    const byAdmin = await post(`/v1/agents/${agentId}/router-keys`, { name: "admin's" }, adminToken);
    expect(byAdmin.status, JSON.stringify(byAdmin.body)).to.equal(201);
    plaintexts.push(byAdmin.body.key);

    expectProblem(await post(`/v1/agents/${agentId}/router-keys`, { name: "k" }, stranger.accessToken), 404, /not found/);
    expectProblem(await server.request("GET", `/v1/agents/${agentId}/router-keys`, { token: stranger.accessToken }), 404, /not found/);
    expectProblem(await server.request("DELETE", `/v1/agents/${agentId}/router-keys/${key.id}`, { token: stranger.accessToken }), 404, /not found/);
    expect((await server.request("POST", `/v1/agents/${agentId}/router-keys`, { body: { name: "k" } })).status).to.equal(401);

    const agent = await post("/v1/agents", { name: "other", shroud_enabled: true });
    const agentToken = (await server.request("POST", "/v1/auth/agent-token", { body: { api_key: agent.body.api_key } })).body.access_token;
    expectProblem(await post(`/v1/agents/${agentId}/router-keys`, { name: "k" }, agentToken), 403, /agents cannot manage/);
  });

  it("offers the routes in the SDK", async () => {
    const agentId = await newAgent();
    const client = createClient({ baseUrl: server.url });
    ok(await client.auth.login({ email: owner.email, password: owner.password }));
    const created = ok(await client.agents.createRouterKey(agentId, { name: "sdk", spend_cap_usd: 1 }));
    plaintexts.push(created.key);
    expect(ok(await client.agents.listRouterKeys(agentId)).router_keys.map((k) => k.id)).to.deep.equal([created.id]);
    expect((await client.agents.revokeRouterKey(agentId, created.id)).meta.status).to.equal(204);
  });

  it("never stores or logs a key in clear", async () => {
    expect(plaintexts.length).to.be.greaterThan(20);
    const events = (await storedEventTexts(server.server.store)).join("\n");
    expect((await storedEvents(server.server.store, { type: "RouterKeyMinted" })).length).to.be.greaterThan(20);
    expect(plaintexts.filter((key) => events.includes(key))).to.deep.equal([]);
    const { rows } = await server.server.db.query<{ text: string }>("select t::text as text from router_keys t");
    expect(rows.length).to.be.greaterThan(20);
    expect(plaintexts.filter((key) => rows.some((r) => r.text.includes(key)))).to.deep.equal([]);
    expect(plaintexts.filter((key) => server.logs().includes(key))).to.deep.equal([]);
  });
});
