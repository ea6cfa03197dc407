/**
 * The Intents API's MCP tools, driven by the MCP SDK's own Client over streamable HTTP (`POST /mcp`) and
 * over stdio (`keyledger mcp`), against the real server and a local EVM node: valid and invalid arguments,
 * guardrail and revert refusals as actionable tool errors, and no signing key in any output or log.
 */
import { expect } from "chai";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { Wallet } from "ethers";
import { revertingContractInitCode } from "../support/anvil.js";
import { startIntentsWorld, type IntentsWorld } from "../support/intents.js";
import { call, type ToolCall } from "./tool-suite.js";

const BIN = path.resolve("bin/keyledger.js");

describe("MCP: simulate_transaction and submit_transaction", function () {
  this.timeout(120_000);
  let world: IntentsWorld;
  let contract: string;
  const outputs: ToolCall[] = [];
  let stdioErr = "";

  before(async () => {
    world = await startIntentsWorld("mcp-intents");
    contract = await world.anvil.deploy(revertingContractInitCode("halted"));
  });
  after(async () => world?.close());

  async function walk(client: Client, address: string): Promise<void> {
    const run = async (name: string, args: Record<string, unknown>) => {
      const outcome = await call(client, name, args);
      outputs.push(outcome);
      return outcome;
    };
    const tools = (await client.listTools()).tools;
    const submit = tools.find((t) => t.name === "submit_transaction");
    const simulate = tools.find((t) => t.name === "simulate_transaction");
    expect(submit?.inputSchema.required).to.have.members(["to", "value", "chain"]);
    expect(Object.keys(submit?.inputSchema.properties ?? {})).to.have.members(["to", "value", "chain", "data", "signing_key_path",
      "nonce", "gas_price", "gas_limit", "max_fee_per_gas", "max_priority_fee_per_gas", "simulate_first"]);
    expect(Object.keys(simulate?.inputSchema.properties ?? {})).to.have.members(["to", "value", "chain", "data", "signing_key_path",
      "gas_limit"]);

    const to = Wallet.createRandom().address;
    const simulated = await run("simulate_transaction", { to, value: "0.1", chain: "localhost" });
    expect(simulated.isError, simulated.text).to.equal(false);
    expect(JSON.parse(simulated.text)).to.deep.include({ status: "success", gas_used: 21000 });
    const revert = await run("simulate_transaction", { to: contract, value: "0", chain: "localhost", data: "0x01", gas_limit: 100000 });
    expect(JSON.parse(revert.text)).to.deep.include({ status: "reverted", revert_reason: "halted" });
    const badAddress = await run("simulate_transaction", { to: "0x12", value: "0.1", chain: "localhost" });
    expect(badAddress.isError).to.equal(true);
    expect(badAddress.text).to.match(/to/);

    const submitted = await run("submit_transaction", { to, value: "0.2", chain: "localhost", max_fee_per_gas: "20000000000" });
    expect(submitted.isError, submitted.text).to.equal(false);
    const tx = JSON.parse(submitted.text);
    expect(tx).to.deep.include({ status: "broadcast", chain: "localhost", from: address });
    expect(tx).to.not.have.property("signed_tx");
    expect((await world.anvil.receipt(tx.tx_hash)).status).to.equal("0x1");
    const mined = await world.anvil.rpc("eth_getTransactionByHash", [tx.tx_hash]);
    expect(Number(mined.type)).to.equal(2);

    const guarded = await run("submit_transaction", { to, value: "5", chain: "localhost" });
    expect(guarded.isError).to.equal(true);
    expect(guarded.text).to.include("tx_max_value");
    const reverted = await run("submit_transaction", { to: contract, value: "0", chain: "localhost", data: "0x01", gas_limit: 100000 });
    expect(reverted.isError).to.equal(true);
    expect(reverted.text).to.include("halted");
    const noChain = await run("submit_transaction", { to, value: "0.1", chain: "atlantis" });
    expect(noChain.isError).to.equal(true);
    expect(noChain.text).to.match(/Not found: chain atlantis/);
    const badValue = await run("submit_transaction", { to, value: "a lot", chain: "localhost" });
    expect(badValue.isError).to.equal(true);
    expect(badValue.text).to.match(/value/);
  }

  it("works over streamable HTTP with an ocv_ key", async () => {
    const { apiKey, address } = await world.signingAgent({ tx_max_value: "1" });
    const transport = new StreamableHTTPClientTransport(new URL(`${world.server.url}/mcp`),
      { requestInit: { headers: { Authorization: `Bearer ${apiKey}` } } });
    const client = new Client({ name: "http-intents", version: "1" });
    await client.connect(transport);
    try { await walk(client, address); } finally { await client.close(); }
  });

  it("works over stdio (keyledger mcp)", async () => {
    const { apiKey, address } = await world.signingAgent({ tx_max_value: "1" });
    const transport = new StdioClientTransport({
      command: process.execPath, args: [BIN, "mcp"], stderr: "pipe",
      env: { PATH: process.env.PATH ?? "", ONECLAW_BASE_URL: world.server.url, ONECLAW_AGENT_API_KEY: apiKey },
    });
    transport.stderr?.on("data", (chunk: Buffer) => { stdioErr += chunk.toString("utf8"); });
    const client = new Client({ name: "stdio-intents", version: "1" });
    await client.connect(transport);
    try { await walk(client, address); } finally { await client.close(); }
  });

  it("never shows a signing key in a tool's output, on stderr or in the server's log", () => {
    expect(world.keys.length).to.equal(2);
    const everything = [outputs.map((o) => o.text).join("\n"), stdioErr, world.server.logs()].join("\n").toLowerCase();
    for (const key of world.keys) expect(everything.includes(key)).to.equal(false);
  });
});
