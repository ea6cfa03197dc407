/**
 * `keyledger mcp`: the MCP server over stdio, for Claude Desktop, Cursor and other MCP clients. Stdout
 * carries the protocol only; what the operator should know (the vault chosen, a bad configuration) goes
 * to stderr, and never a value.
 */
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { createClient } from "../sdk/index.js";
import { version } from "../version.js";
import { readMcpConfig } from "./config.js";
import { createMcpServer } from "./server.js";
import { describeChoice, vaultResolver } from "./vault.js";

export async function mcpCommand(env: Record<string, string | undefined>, log: (line: string) => void =
  (line) => process.stderr.write(`keyledger mcp: ${line}\n`)): Promise<void> {
  const config = readMcpConfig(env);
  const client = createClient({ baseUrl: config.baseUrl, apiKey: config.apiKey, token: config.token, agentId: config.agentId });
  const vault = vaultResolver(client, config.vaultId, "given by ONECLAW_VAULT_ID", (choice) => log(describeChoice(choice)));
  const server = createMcpServer({ client, vault }, version);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => { transport.onclose = resolve; });
  await server.connect(transport);
  log(`serving ${config.baseUrl} over stdio`);
  // Choose the vault now, so the log says which one; a failure here is retried on the first tool call.
  void vault().then((outcome) => {
    if (!outcome.ok) log("failed" in outcome ? `no vault chosen yet: ${outcome.failed.error?.message}` : outcome.none);
  });
  process.stdin.once("end", () => void server.close());
  await closed;
}
