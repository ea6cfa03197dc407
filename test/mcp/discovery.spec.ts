/**
 * Which vault the MCP server works in when none is configured, and its configuration from the
 * environment: the agent's single bound vault, else the vault named `default`, else the first it can read.
 */
import { expect } from "chai";
import { randomUUID } from "node:crypto";
import { McpConfigError, readMcpConfig } from "../../src/mcp/config.js";
import { describeChoice, discoverVault } from "../../src/mcp/vault.js";
import { createClient } from "../../src/sdk/index.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { ok, ownerOf, type Owner } from "../sdk/fixtures.js";

describe("MCP vault discovery", () => {
  let server: TestServer;

  before(async () => { server = await startTestServer("mcp-discovery"); });
  after(async () => server?.close());

  async function unboundAgent(owner: Owner, readable: string[]) {
    const created = ok(await owner.client.agents.create({ name: `a-${randomUUID().slice(0, 8)}` }));
    for (const vaultId of readable) ok(await owner.client.access.grantAgent(vaultId, created.agent.id, ["read"]));
    return createClient({ baseUrl: server.url, apiKey: created.api_key });
  }

  it("picks the agent's only bound vault", async () => {
    const owner = await ownerOf(server);
    const [a, b] = [ok(await owner.client.vaults.create({ name: "a" })), ok(await owner.client.vaults.create({ name: "default" }))];
    const created = ok(await owner.client.agents.create({ name: "bound", vault_ids: [a.id] }));
    for (const vault of [a, b]) ok(await owner.client.access.grantAgent(vault.id, created.agent.id, ["read"]));
    const outcome = await discoverVault(createClient({ baseUrl: server.url, apiKey: created.api_key }));
    expect(outcome).to.deep.equal({ ok: true, choice: { vaultId: a.id, name: "a", reason: "the agent's only bound vault" } });
  });

  it("else the vault named default", async () => {
    const owner = await ownerOf(server);
    const first = ok(await owner.client.vaults.create({ name: "first" }));
    const named = ok(await owner.client.vaults.create({ name: "default" }));
    const outcome = await discoverVault(await unboundAgent(owner, [first.id, named.id]));
    expect(outcome.ok && outcome.choice).to.deep.equal({ vaultId: named.id, name: "default", reason: "the vault named default" });
  });

  it("else the first vault it can read", async () => {
    const owner = await ownerOf(server);
    ok(await owner.client.vaults.create({ name: "not-mine" }));
    const readable = ok(await owner.client.vaults.create({ name: "mine" }));
    const outcome = await discoverVault(await unboundAgent(owner, [readable.id]));
    expect(outcome.ok && outcome.choice).to.deep.equal({ vaultId: readable.id, name: "mine", reason: "the first vault the agent can read" });
    expect(outcome.ok && describeChoice(outcome.choice)).to.equal(`using vault "mine" (${readable.id}): the first vault the agent can read`);
  });

  it("says so when there is none, and passes API errors on", async () => {
    const owner = await ownerOf(server);
    const outcome = await discoverVault(await unboundAgent(owner, []));
    expect(outcome.ok).to.equal(false);
    expect(!outcome.ok && "none" in outcome && outcome.none).to.match(/no vault is available/);
    const refused = await discoverVault(createClient({ baseUrl: server.url, apiKey: "ocv_wrong" }));
    expect(!refused.ok && "failed" in refused && refused.failed.meta.status).to.equal(401);
  });
});

describe("MCP configuration from the environment", () => {
  it("needs only the agent key, under either name, and defaults the rest", () => {
    expect(readMcpConfig({ ONECLAW_AGENT_API_KEY: "ocv_a" })).to.deep.equal({
      baseUrl: "http://localhost:8080", apiKey: "ocv_a", token: undefined, agentId: undefined, vaultId: undefined });
    expect(readMcpConfig({ KEYLEDGER_AGENT_API_KEY: "ocv_b" }).apiKey).to.equal("ocv_b");
    const full = readMcpConfig({ ONECLAW_AGENT_API_KEY: "ocv_c", ONECLAW_AGENT_ID: "id", ONECLAW_VAULT_ID: "v",
      ONECLAW_BASE_URL: "https://vault.example.com/" });
    expect(full).to.deep.include({ agentId: "id", vaultId: "v", baseUrl: "https://vault.example.com" });
  });

  it("refuses what cannot work, with a message naming the variable and never the key", () => {
    expect(() => readMcpConfig({})).to.throw(McpConfigError, /ONECLAW_AGENT_API_KEY/);
    expect(() => readMcpConfig({ ONECLAW_AGENT_API_KEY: "1ck_secret-personal" })).to.throw(McpConfigError, /ocv_/)
      .with.property("message").that.does.not.include("secret-personal");
    expect(() => readMcpConfig({ ONECLAW_AGENT_TOKEN: "eyJ" })).to.throw(McpConfigError, /ONECLAW_VAULT_ID/);
    expect(() => readMcpConfig({ ONECLAW_AGENT_API_KEY: "ocv_d", ONECLAW_BASE_URL: "not a url" })).to.throw(McpConfigError, /ONECLAW_BASE_URL/);
    expect(readMcpConfig({ ONECLAW_AGENT_TOKEN: "eyJ", ONECLAW_VAULT_ID: "v" })).to.deep.include({ token: "eyJ", vaultId: "v" });
  });
});
