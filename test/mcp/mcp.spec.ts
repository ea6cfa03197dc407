/**
 * The MCP server, driven by the MCP SDK's own Client: over stdio (spawning `keyledger mcp`, the built bin)
 * and over streamable HTTP (`POST /mcp` of the real API server), every tool with valid and invalid
 * arguments; no value in list/describe output, in other tools' output, in the server's log or on stderr.
 */
import { expect } from "chai";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { createClient } from "../../src/sdk/index.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { agentWithAccess, ok, ownerOf, type Owner } from "../sdk/fixtures.js";
import { call, expectNoValueOutsideReads, walkEveryTool } from "./tool-suite.js";

const BIN = path.resolve("bin/keyledger.js");

describe("MCP server", () => {
  let server: TestServer;
  let owner: Owner;
  let vaultId: string;
  const deniedPath = "private/owner-only";
  const ownerValue = `owner-${randomUUID()}`;
  const allValues: string[] = [ownerValue];

  before(async () => {
    server = await startTestServer("mcp");
    owner = await ownerOf(server);
    vaultId = ok(await owner.client.vaults.create({ name: "agent-work" })).id;
    ok(await owner.client.secrets.set(vaultId, deniedPath, ownerValue));
  });
  after(async () => server?.close());

  /** An agent bound to the vault, with read/write on work/** only. */
  const workAgent = () => agentWithAccess(owner, vaultId, { pattern: "work/**" });

  function stdioClient(env: Record<string, string>) {
    const transport = new StdioClientTransport({
      command: process.execPath, args: [BIN, "mcp"], stderr: "pipe",
      env: { PATH: process.env.PATH ?? "", ONECLAW_BASE_URL: server.url, ...env },
    });
    let stderr = "";
    transport.stderr?.on("data", (chunk: Buffer) => { stderr += chunk.toString("utf8"); });
    return { transport, stderr: () => stderr };
  }

  describe("over stdio (keyledger mcp)", () => {
    it("answers every tool, with valid and invalid arguments, and says which vault it chose", async () => {
      const { apiKey } = await workAgent();
      const other = await workAgent();
      const { transport, stderr } = stdioClient({ ONECLAW_AGENT_API_KEY: apiKey });
      const client = new Client({ name: "stdio-test", version: "1" });
      await client.connect(transport);
      try {
        const walk = await walkEveryTool(client, { vaultId, deniedPath, otherAgentId: other.agentId, prefix: "work/stdio" });
        allValues.push(...walk.values);
        expectNoValueOutsideReads(walk);
        expect(stderr()).to.include(`using vault "agent-work" (${vaultId}): the agent's only bound vault`);
        for (const value of allValues) expect(stderr()).to.not.include(value);
      } finally {
        await client.close();
      }
    });

    it("takes the vault from ONECLAW_VAULT_ID and the key from KEYLEDGER_AGENT_API_KEY", async () => {
      const { apiKey } = await workAgent();
      const { transport, stderr } = stdioClient({ KEYLEDGER_AGENT_API_KEY: apiKey, ONECLAW_VAULT_ID: vaultId });
      const client = new Client({ name: "stdio-test", version: "1" });
      await client.connect(transport);
      try {
        expect((await call(client, "list_secrets")).isError).to.equal(false);
        expect(stderr()).to.include(`(${vaultId}): given by ONECLAW_VAULT_ID`);
      } finally {
        await client.close();
      }
    });

    it("turns a refused key into tool errors, not a crash", async () => {
      const { transport } = stdioClient({ ONECLAW_AGENT_API_KEY: "ocv_revoked-or-wrong" });
      const client = new Client({ name: "stdio-test", version: "1" });
      await client.connect(transport);
      try {
        const answer = await call(client, "list_secrets");
        expect(answer.isError).to.equal(true);
        expect(answer.text).to.match(/Not authenticated/);
        expect((await call(client, "list_vaults")).text).to.match(/Not authenticated/);
      } finally {
        await client.close();
      }
    });

    it("says a 429's wait in the tool result", async () => {
      const other = await ownerOf(server);
      const otherVault = ok(await other.client.vaults.create({ name: "limits" })).id;
      const { apiKey } = await agentWithAccess(other, otherVault);
      const { transport } = stdioClient({ ONECLAW_AGENT_API_KEY: apiKey });
      const client = new Client({ name: "stdio-test", version: "1" });
      await client.connect(transport);
      try {
        await call(client, "put_secret", { path: "s", value: "not secret at all" });
        const secretId = JSON.parse((await call(client, "describe_secret", { path: "s" })).text).id;
        const expires_at = new Date(Date.now() + 3_600_000).toISOString();
        let limited;
        for (let i = 0; i < 12 && !limited; i++) {
          const answer = await call(client, "share_secret", { secret_id: secretId, recipient_type: "anyone_with_link", expires_at });
          if (answer.isError) limited = answer;
        }
        expect(limited?.text).to.match(/Rate limited.*Wait \d+ seconds/s);
      } finally {
        await client.close();
      }
    });

    it("refuses to start without a key, with a message (exit code 2)", async () => {
      const { execFile } = await import("node:child_process");
      const outcome = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        execFile(process.execPath, [BIN, "mcp"], { env: { PATH: process.env.PATH ?? "" } }, (error, _stdout, stderr) =>
          resolve({ code: error ? (error as { code?: number }).code ?? 1 : 0, stderr }));
      });
      expect(outcome.code).to.equal(2);
      expect(outcome.stderr).to.include("ONECLAW_AGENT_API_KEY");
    });
  });

  describe("over streamable HTTP (POST /mcp)", () => {
    function httpClient(headers: Record<string, string>) {
      const transport = new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers } });
      return { transport, client: new Client({ name: "http-test", version: "1" }) };
    }

    it("answers every tool for an ocv_ key, discovering the vault", async () => {
      const { apiKey } = await workAgent();
      const other = await workAgent();
      const { transport, client } = httpClient({ Authorization: `Bearer ${apiKey}` });
      await client.connect(transport);
      try {
        const walk = await walkEveryTool(client, { vaultId, deniedPath, otherAgentId: other.agentId, prefix: "work/http" });
        allValues.push(...walk.values);
        expectNoValueOutsideReads(walk);
      } finally {
        await client.close();
      }
    });

    it("takes an agent JWT with X-Vault-ID", async () => {
      const { apiKey, agentId } = await workAgent();
      const token = ok(await createClient({ baseUrl: server.url }).auth.agentToken({ api_key: apiKey })).access_token;
      const { transport, client } = httpClient({ Authorization: `Bearer ${token}`, "X-Vault-ID": vaultId, "X-Agent-ID": agentId });
      await client.connect(transport);
      try {
        await call(client, "put_secret", { path: "work/jwt", value: "jwt-stored" });
        const listed = await call(client, "list_secrets", { prefix: "work/jwt" });
        expect(listed.isError).to.equal(false);
        expect(listed.text).to.include("work/jwt").and.include("given by X-Vault-ID").and.not.include("jwt-stored");
      } finally {
        await client.close();
      }
    });

    it("refuses missing, personal, unknown and mismatched credentials with HTTP problems", async () => {
      const initialize = { jsonrpc: "2.0", id: 1, method: "initialize",
        params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } } };
      const headers = { accept: "application/json, text/event-stream" };
      const post = (extra: Record<string, string>) => server.request("POST", "/mcp", { body: initialize, headers: { ...headers, ...extra } });
      expect((await post({})).status).to.equal(401);
      const personal = ok(await owner.client.apiKeys.create({ name: "not for mcp" })).api_key;
      expect((await post({ authorization: `Bearer ${personal}` })).status).to.equal(403);
      expect((await post({ authorization: "Bearer ocv_nope" })).status).to.equal(401);
      expect((await post({ authorization: `Bearer ${owner.accessToken}`, "x-vault-id": vaultId })).status).to.equal(403);
      const { apiKey } = await workAgent();
      const token = ok(await createClient({ baseUrl: server.url }).auth.agentToken({ api_key: apiKey })).access_token;
      const noVault = await post({ authorization: `Bearer ${token}` });
      expect(noVault.status).to.equal(400);
      expect(noVault.body.detail).to.include("X-Vault-ID");
      expect((await post({ authorization: `Bearer ${token}`, "x-vault-id": randomUUID() })).status).to.equal(403);
      const unbound = ok(await owner.client.agents.create({ name: `unbound-${randomUUID().slice(0, 6)}` }));
      expect((await post({ authorization: `Bearer ${unbound.api_key}`, "x-vault-id": randomUUID() })).status).to.equal(404);
      expect((await server.request("GET", "/mcp", { headers: { authorization: `Bearer ${apiKey}` } })).status).to.equal(405);
    });
  });

  describe("the server's log", () => {
    it("holds no value stored or read through either transport", () => {
      expect(allValues.length).to.be.greaterThan(10);
      const logs = server.logs();
      expect(logs).to.include('"route":"/mcp"');
      for (const value of allValues) expect(logs).to.not.include(value);
    });
  });
});
