/**
 * The Intents API's MCP tools, `simulate_transaction` and `submit_transaction`, with the seeds' parameters
 * and defaults. They act for the agent the client is (its id from the key exchange, else its profile); the
 * signing key never leaves the vault, and the signed transaction is left out of the tool's answer (the
 * agent needs its hash, not its bytes).
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import type { KeyledgerClient } from "../sdk/index.js";
import { errorResult, jsonResult } from "./errors.js";

export const TRANSACTION_TOOL_NAMES = ["simulate_transaction", "submit_transaction"] as const;

const wei = z.string().regex(/^\d+$/, "must be an integer amount in wei");
const common = {
  to: z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte address").describe("Destination address (0x-prefixed)"),
  value: z.string().regex(/^\d+(\.\d+)?$/, "must be a decimal amount of ETH").describe('Value in ETH (e.g. "0.01")'),
  chain: z.string().min(1).max(100).describe('Chain name or chain ID (e.g. "base", "sepolia", "8453"); see GET /v1/chains'),
  data: z.string().regex(/^0x([0-9a-fA-F]{2})*$/, "must be 0x-prefixed hex bytes").optional().describe("Hex-encoded calldata"),
  signing_key_path: z.string().min(1).max(512).optional().describe("Vault path to the signing key (default keys/{chain}-signer)"),
  gas_limit: z.number().int().positive().default(21000).describe("Gas limit (default 21000)"),
};

/** The agent this client acts for. */
async function agentIdOf(client: KeyledgerClient): Promise<{ id?: string; failed?: CallToolResult }> {
  if (client.agentId) return { id: client.agentId };
  const self = await client.agents.getSelf();
  return self.data ? { id: self.data.id } : { failed: errorResult(self, client.baseUrl) };
}

export function registerTransactionTools(server: McpServer, client: KeyledgerClient): void {
  server.registerTool("simulate_transaction", {
    description: "Simulate an EVM transaction without signing it: success or the revert reason, the gas estimate and " +
      "native balance changes. Simulate before you submit.",
    inputSchema: common,
    annotations: { readOnlyHint: true },
  }, async ({ to, value, chain, data, signing_key_path, gas_limit }) => {
    const agent = await agentIdOf(client);
    if (!agent.id) return agent.failed!;
    const answer = await client.agents.simulateTransaction(agent.id, { to, value, chain, data, signing_key_path, gas_limit });
    if (!answer.data) return errorResult(answer, client.baseUrl);
    return jsonResult(answer.data);
  });

  server.registerTool("submit_transaction", {
    description: "Submit an EVM transaction to be signed inside the vault with your signing key (which you never see) " +
      "and broadcast. Requires intents_api_enabled; your human's guardrails apply (a refusal names the guardrail). " +
      "Simulates first unless simulate_first is false; a transaction that would revert is not signed.",
    inputSchema: {
      ...common,
      nonce: z.number().int().min(0).optional().describe("Transaction nonce (default: the next one, resolved by the server)"),
      gas_price: wei.optional().describe("Gas price in wei (legacy transaction)"),
      max_fee_per_gas: wei.optional().describe("EIP-1559 max fee in wei (makes it a type 2 transaction)"),
      max_priority_fee_per_gas: wei.optional().describe("EIP-1559 priority fee in wei"),
      simulate_first: z.boolean().default(true).describe("Simulate before signing (default true)"),
    },
  }, async (args) => {
    const agent = await agentIdOf(client);
    if (!agent.id) return agent.failed!;
    const answer = await client.agents.submitTransaction(agent.id, args);
    if (!answer.data) return errorResult(answer, client.baseUrl);
    const { signed_tx: _bytes, ...transaction } = answer.data;
    return jsonResult(transaction);
  });
}
