/**
 * The MCP server's configuration, read from the environment as the 1claw MCP server reads it: the agent's
 * key is the only required variable; agent id, vault and base URL override what is discovered.
 */
export interface McpConfig {
  baseUrl: string;
  /** An agent key (`ocv_…`), exchanged for a JWT and refreshed. */
  apiKey?: string;
  /** A static agent JWT instead of a key (then the vault must be given). */
  token?: string;
  agentId?: string;
  vaultId?: string;
}

export class McpConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "McpConfigError";
  }
}

export const DEFAULT_BASE_URL = "http://localhost:8080";

/** `ONECLAW_*` first (what existing configurations set), then the `KEYLEDGER_*` spelling. */
function read(env: Record<string, string | undefined>, name: string): string | undefined {
  const value = env[`ONECLAW_${name}`]?.trim() || env[`KEYLEDGER_${name}`]?.trim();
  return value || undefined;
}

export function readMcpConfig(env: Record<string, string | undefined>): McpConfig {
  const apiKey = read(env, "AGENT_API_KEY");
  const token = read(env, "AGENT_TOKEN");
  const vaultId = read(env, "VAULT_ID");
  if (!apiKey && !token) {
    throw new McpConfigError("set ONECLAW_AGENT_API_KEY (or KEYLEDGER_AGENT_API_KEY) to the agent's ocv_ key");
  }
  if (apiKey?.startsWith("1ck_")) {
    throw new McpConfigError("ONECLAW_AGENT_API_KEY holds a personal key (1ck_); the MCP server acts as an agent: give it the agent's ocv_ key");
  }
  if (!apiKey && !vaultId) throw new McpConfigError("with ONECLAW_AGENT_TOKEN, set ONECLAW_VAULT_ID too");
  const baseUrl = (read(env, "BASE_URL") ?? DEFAULT_BASE_URL).replace(/\/+$/, "");
  try {
    new URL(baseUrl);
  } catch {
    throw new McpConfigError("ONECLAW_BASE_URL is not a URL");
  }
  return { baseUrl, apiKey, token: apiKey ? undefined : token, agentId: read(env, "AGENT_ID"), vaultId };
}
