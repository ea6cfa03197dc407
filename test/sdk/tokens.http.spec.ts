/**
 * How the SDK holds an agent's credentials: an `ocv_` key is exchanged for a JWT on first use, the JWT is
 * reused and exchanged again before it expires, concurrent callers share one exchange, and no request goes
 * out without the token while an exchange is pending.
 */
import { expect } from "chai";
import { createClient } from "../../src/sdk/index.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { agentWithAccess, exchangesIn, ok, ownerOf, recordingFetch, type Owner } from "./fixtures.js";

describe("SDK token exchange and refresh", () => {
  let server: TestServer;
  let owner: Owner;
  let vaultId: string;

  before(async () => {
    server = await startTestServer("sdk-tokens");
    owner = await ownerOf(server);
    vaultId = ok(await owner.client.vaults.create({ name: "tokens" })).id;
  });
  after(async () => server?.close());

  it("exchanges the ocv_ key once, then sends the JWT (never the key) on every call", async () => {
    const { apiKey, agentId } = await agentWithAccess(owner, vaultId);
    const { fetch, requests } = recordingFetch();
    const agent = createClient({ baseUrl: server.url, apiKey, fetch });
    for (let i = 0; i < 3; i++) ok(await agent.secrets.list(vaultId));
    expect(exchangesIn(requests)).to.have.length(1);
    const calls = requests.filter((r) => !r.url.endsWith("/v1/auth/agent-token"));
    expect(calls).to.have.length(3);
    for (const call of calls) expect(call.authorization).to.match(/^Bearer ey/).and.not.include(apiKey);
    expect(agent.agentId).to.equal(agentId);
    expect(agent.vaultIds).to.deep.equal([vaultId]);
  });

  it("makes concurrent first callers share one exchange, and none of them goes out before it", async () => {
    const { apiKey } = await agentWithAccess(owner, vaultId);
    const { fetch, requests } = recordingFetch();
    const agent = createClient({ baseUrl: server.url, apiKey, fetch });
    const answers = await Promise.all(Array.from({ length: 12 }, () => agent.secrets.list(vaultId)));
    for (const answer of answers) ok(answer);
    expect(exchangesIn(requests)).to.have.length(1);
    expect(requests[0].url).to.match(/\/v1\/auth\/agent-token$/);
    expect(requests.slice(1).every((r) => r.authorization?.startsWith("Bearer ey"))).to.equal(true);
  });

  it("exchanges again 60 s before expiry of a normal token", async () => {
    const { apiKey } = await agentWithAccess(owner, vaultId, { ttl: 600 });
    let now = Date.now();
    const { fetch, requests } = recordingFetch();
    const agent = createClient({ baseUrl: server.url, apiKey, fetch, clock: () => now });
    ok(await agent.secrets.list(vaultId));
    now += 539_000;
    ok(await agent.secrets.list(vaultId));
    expect(exchangesIn(requests)).to.have.length(1);
    now += 2_000;
    ok(await agent.secrets.list(vaultId));
    expect(exchangesIn(requests)).to.have.length(2);
  });

  it("exchanges a short token (token_ttl_seconds: 60) at half its life", async () => {
    const { apiKey, agentId } = await agentWithAccess(owner, vaultId, { ttl: 60 });
    expect(ok(await owner.client.agents.get(agentId)).token_ttl_seconds).to.equal(60);
    let now = Date.now();
    const { fetch, requests } = recordingFetch();
    const agent = createClient({ baseUrl: server.url, apiKey, fetch, clock: () => now });
    ok(await agent.secrets.list(vaultId));
    now += 29_000;
    ok(await agent.secrets.list(vaultId));
    expect(exchangesIn(requests)).to.have.length(1);
    now += 2_000;
    const answers = await Promise.all([agent.secrets.list(vaultId), agent.secrets.list(vaultId), agent.agents.getSelf()]);
    for (const answer of answers) expect(answer.error).to.equal(null);
    expect(exchangesIn(requests)).to.have.length(2);
  });

  it("exchanges again once when the server refuses the token (revoked), and the call succeeds", async () => {
    const { apiKey } = await agentWithAccess(owner, vaultId);
    const { fetch, requests } = recordingFetch();
    const agent = createClient({ baseUrl: server.url, apiKey, fetch });
    ok(await agent.secrets.list(vaultId));
    const token = requests.at(-1)!.authorization!.slice("Bearer ".length);
    const revoked = await server.request("DELETE", "/v1/auth/token", { token });
    expect(revoked.status).to.equal(204);
    ok(await agent.secrets.list(vaultId));
    expect(exchangesIn(requests)).to.have.length(2);
    expect(requests.at(-1)!.authorization).to.not.equal(`Bearer ${token}`);
  });

  it("answers a refused key as an error value to every waiting caller, with one exchange and no other request", async () => {
    const { fetch, requests } = recordingFetch();
    const agent = createClient({ baseUrl: server.url, apiKey: "ocv_not-a-real-key", fetch });
    const answers = await Promise.all([agent.secrets.list(vaultId), agent.vaults.list(), agent.agents.getSelf()]);
    for (const answer of answers) {
      expect(answer.data).to.equal(null);
      expect(answer.error?.type).to.equal("auth_error");
      expect(answer.meta.status).to.equal(401);
    }
    expect(requests).to.have.length(1);
  });

  it("logs an agent out: the token is revoked on the server and the next call exchanges the key again", async () => {
    const { apiKey } = await agentWithAccess(owner, vaultId);
    const { fetch, requests } = recordingFetch();
    const agent = createClient({ baseUrl: server.url, apiKey, fetch });
    ok(await agent.agents.getSelf());
    const token = requests.at(-1)!.authorization!.slice("Bearer ".length);
    expect((await agent.auth.logout()).meta.status).to.equal(204);
    expect((await server.request("GET", "/v1/agents/me", { token })).status).to.equal(401);
    ok(await agent.agents.getSelf());
    expect(exchangesIn(requests)).to.have.length(2);
  });
});
