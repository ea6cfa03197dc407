/**
 * What the SDK's and the MCP server's Intents specs share: a real server whose local development chain is
 * a per-run anvil node, and agents with the Intents API on, a funded signing key at `keys/localhost-signer`
 * in their own vault, and read on it. Set up through the SDK, as a human would.
 */
import { Wallet, parseEther } from "ethers";
import { createClient } from "../../src/sdk/index.js";
import { ok, ownerOf, type Owner } from "../sdk/fixtures.js";
import { ANVIL_CHAIN_ID, startAnvil, type Anvil } from "./anvil.js";
import { startTestServer, type TestServer } from "./server.js";

export interface IntentsWorld {
  anvil: Anvil;
  server: TestServer;
  owner: Owner;
  /** Every signing key made, as hex without 0x. */
  keys: string[];
  signingAgent(settings?: { tx_max_value?: string }): Promise<{ agentId: string; apiKey: string; vaultId: string; address: string }>;
  close(): Promise<void>;
}

export async function startIntentsWorld(label: string): Promise<IntentsWorld> {
  const anvil = await startAnvil();
  try {
    const server = await startTestServer(label, { chains: { rpcUrls: {}, devRpcUrl: anvil.url, devChainId: ANVIL_CHAIN_ID,
      rpcDeadlineMs: 5000 } });
    const owner = await ownerOf(server);
    const keys: string[] = [];
    return {
      anvil, server, owner, keys,
      async signingAgent(settings = {}) {
        const vaultId = ok(await owner.client.vaults.create({ name: `signing-${keys.length}` })).id;
        const created = ok(await owner.client.agents.create({ name: `signer-${keys.length}`, intents_api_enabled: true,
          vault_ids: [vaultId], ...settings }));
        const wallet = Wallet.createRandom();
        keys.push(wallet.privateKey.slice(2));
        ok(await owner.client.secrets.set(vaultId, "keys/localhost-signer", wallet.privateKey, { type: "private_key" }));
        ok(await owner.client.access.grantAgent(vaultId, created.agent.id, ["read"], { path: "keys/**" }));
        await anvil.fund(wallet.address, parseEther("10"));
        return { agentId: created.agent.id, apiKey: created.api_key, vaultId, address: wallet.address };
      },
      async close() {
        await server.close();
        await anvil.stop();
      },
    };
  } catch (error) {
    await anvil.stop();
    throw error;
  }
}

export { createClient };
