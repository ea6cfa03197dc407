/**
 * Hosted MCP admission under the auth rate limit: a key exchange the API refuses with 429 (failed exchanges
 * spend the address's allowance) is answered 429
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

  it("answers 429 with Retry-After when the key exchange is rate-limited, and still admits a valid key", async () => {
    const user = await createUser(server);
    const owner = createClient({ baseUrl: server.url, token: user.accessToken });
    const valid = ok(await owner.agents.create({ name: "valid" })).api_key;
    const initialize = { jsonrpc: "2.0", id: 1, method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } } };
    const post = (key: string) => server.request("POST", "/mcp", { body: initialize,
      headers: { accept: "application/json, text/event-stream", authorization: `Bearer ${key}` } });
    // Failed exchanges spend this address's allowance (issue 9.9); the exchange then answers 429.
    let limited;
    for (let i = 0; i < 10 && limited?.status !== 429; i++) {
      limited = await post(`ocv_${"0".repeat(40)}${i}`);
      expect([401, 429]).to.include(limited.status);
    }
    expect(limited!.status).to.equal(429);
    expect(Number(limited!.headers.get("retry-after"))).to.be.greaterThan(0);
    expect(limited!.body.detail).to.match(/retry in \d+ s/);
    // Others' failures never starve a valid key.
    expect((await post(valid)).status).to.equal(200);
  });
});
