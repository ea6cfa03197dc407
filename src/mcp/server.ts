/** An MCP server for one agent: the tools over a Keyledger client and a vault choice. */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { registerTools, type ToolContext } from "./tools.js";

export const INSTRUCTIONS = "Keyledger keeps credentials out of your context. Fetch a secret with get_secret just " +
  "before the call that needs it; never store, echo or summarise a value. Use list_secrets and describe_secret to " +
  "find and check secrets (they never return values). After regenerating a credential, rotate_and_store it.";

export function createMcpServer(context: ToolContext, version: string): McpServer {
  const server = new McpServer({ name: "keyledger", version }, { instructions: INSTRUCTIONS });
  registerTools(server, context);
  return server;
}
