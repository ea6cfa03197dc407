/**
 * Hosted MCP admission under the auth rate limit: a key exchange the API refuses with 429 is answered 429
 * with Retry-After (the client should wait), not as an outage.
 */
import { expect } from "chai";
import { createClient } from "../../src/sdk/index.js";
import { createUser } from "../support/identity.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { ok } from "../sdk/fixtures.js";

describe("hosted MCP admission under the auth rate limit", () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer("mcp-limits", { authRateLimit: { burst: 5, perSecond: 0.001 } });
  });
  after(async () => server?.close());

  it("answers 429 with Retry-After when the key exchange is rate-limited", async () => {
    const user = await createUser(server); // signup, verify-email, login: three of the five
    const owner = createClient({ baseUrl: server.url, token: user.accessToken });
    const keys = [];
    for (let i = 0; i < 3; i++) keys.push(ok(await owner.agents.create({ name: `limited-${i}` })).api_key);
    const initialize = { jsonrpc: "2.0", id: 1, method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } } };
    const post = (key: string) => server.request("POST", "/mcp", { body: initialize,
      headers: { accept: "application/json, text/event-stream", authorization: `Bearer ${key}` } });
    expect((await post(keys[0])).status).to.equal(200);
    expect((await post(keys[1])).status).to.equal(200);
    const limited = await post(keys[2]);
    expect(limited.status).to.equal(429);
    expect(Number(limited.headers.get("retry-after"))).to.be.greaterThan(0);
    expect(limited.body.detail).to.match(/retry in \d+ s/);
  });
});
