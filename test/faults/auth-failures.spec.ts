/**
 * Issue 9, point 9: failed authentications of any kind are limited per client address (a wrong bearer key
 * on any route included), and a valid key's exchanges are never starved by others' failures or exchanges.
 */
import { expect } from "chai";
import { createUser, type TestUser } from "../support/identity.js";
import { startTestServer, type TestServer } from "../support/server.js";

describe("failed authentications are rate limited per address (issue 9.9)", () => {
  let server: TestServer;
  let user: TestUser;
  let agentKey: string;

  before(async () => {
    // A burst of 5 and almost no refill, so the test sees the limit and nothing refills under it.
    server = await startTestServer("auth-failures", { authRateLimit: { burst: 5, perSecond: 0.001 } });
    user = await createUser(server);
    const agent = await server.request("POST", "/v1/agents", { token: user.accessToken, body: { name: "legit" } });
    expect(agent.status).to.equal(201);
    agentKey = agent.body.api_key;
  });
  after(() => server?.close());

  it("answers wrong ocv_ and 1ck_ bearer keys 401 for the burst, then 429 with Retry-After", async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 12; i++) {
      const key = i % 2 === 0 ? `ocv_${"a".repeat(40)}${i}` : `1ck_${"b".repeat(40)}${i}`;
      const r = await server.request("GET", "/v1/vaults", { token: key });
      statuses.push(r.status);
      if (r.status === 429) retryAfter = r.headers.get("retry-after");
    }
    expect(statuses.slice(0, 5)).to.deep.equal([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).to.deep.equal(new Array(7).fill(429));
    expect(Number(retryAfter)).to.be.greaterThan(0);
  });

  it("keeps serving valid credentials from that address: the agent's exchanges and the user's token", async () => {
    for (let i = 0; i < 8; i++) {
      const exchange = await server.request("POST", "/v1/auth/agent-token", { body: { api_key: agentKey } });
      expect(exchange.status, JSON.stringify(exchange.body)).to.equal(200);
    }
    expect((await server.request("GET", "/v1/vaults", { token: user.accessToken })).status).to.equal(200);
  });

  it("counts a wrong key on the exchange route as a failure too", async () => {
    const r = await server.request("POST", "/v1/auth/agent-token", { body: { api_key: `ocv_${"c".repeat(43)}` } });
    expect(r.status).to.equal(429);
  });
});
