/**
 * Simulations through Tenderly when it is configured. Tenderly is a third party we cannot run, so the test
 * runs a fake that speaks its Simulation API (paths, `X-Access-Key`, request and response fields) and answers
 * from a real node: it executes each simulation on anvil (eth_call, eth_estimateGas, balances).
 */
import { expect } from "chai";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { randomUUID } from "node:crypto";
import { Wallet, parseEther } from "ethers";
import { createUser, type TestUser } from "../support/identity.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { ANVIL_CHAIN_ID, revertingContractInitCode, startAnvil, type Anvil } from "../support/anvil.js";

const ACCESS_KEY = `tenderly-${randomUUID()}`;

interface SimulationRequest { network_id: string; from: string; to: string; input: string; gas: number; value: string; simulation_type: string }

/** Tenderly's answer to one simulation, computed by executing it on the node. */
async function simulateOnNode(anvil: Anvil, request: SimulationRequest) {
  const call = { from: request.from, to: request.to, data: request.input, gas: `0x${request.gas.toString(16)}`,
    value: `0x${BigInt(request.value).toString(16)}` };
  const id = randomUUID();
  let status = true;
  let gasUsed = 0;
  let errorMessage: string | undefined;
  try {
    await anvil.rpc("eth_call", [call, "latest"]);
    gasUsed = Number(BigInt(await anvil.rpc<string>("eth_estimateGas", [call, "latest"])));
  } catch (error) {
    status = false;
    errorMessage = String((error as Error).message).replace(/^eth_call: /, "");
  }
  const before = async (address: string) => BigInt(await anvil.rpc<string>("eth_getBalance", [address, "latest"]));
  const [fromBefore, toBefore] = [await before(request.from), await before(request.to)];
  const value = status ? BigInt(request.value) : 0n;
  return {
    transaction: { hash: `0x${"0".repeat(64)}`, status, gas_used: gasUsed, network_id: request.network_id,
      ...(errorMessage && { error_message: errorMessage }),
      transaction_info: { balance_diff: [
        { address: request.from, original: fromBefore.toString(), dirty: (fromBefore - value).toString(), is_miner: false },
        { address: request.to, original: toBefore.toString(), dirty: (toBefore + value).toString(), is_miner: false },
      ] } },
    simulation: { id, project_id: "p", owner_id: "o", network_id: request.network_id, status, gas_used: gasUsed },
  };
}

async function bodyOf(request: IncomingMessage): Promise<any> {
  let text = "";
  for await (const chunk of request) text += chunk;
  return JSON.parse(text);
}

describe("Intents API with a Tenderly simulator", function () {
  this.timeout(120_000);
  let anvil: Anvil;
  let tenderly: Server;
  let server: TestServer;
  let owner: TestUser;
  const seen: Array<{ path: string; key: string | undefined; body: any }> = [];

  before(async () => {
    anvil = await startAnvil();
    tenderly = createServer(async (request, response) => {
      const body = await bodyOf(request);
      seen.push({ path: request.url ?? "", key: request.headers["x-access-key"] as string | undefined, body });
      const reply = (status: number, value: unknown) => {
        response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value));
      };
      if (request.headers["x-access-key"] !== ACCESS_KEY) {
        return reply(401, { error: { id: randomUUID(), slug: "invalid_token", message: "Invalid access token" } });
      }
      if (request.method === "POST" && request.url === "/api/v1/account/acme/project/vault/simulate") {
        return reply(200, await simulateOnNode(anvil, body));
      }
      if (request.method === "POST" && request.url === "/api/v1/account/acme/project/vault/simulate-bundle") {
        const results = [];
        for (const simulation of body.simulations) results.push(await simulateOnNode(anvil, simulation));
        return reply(200, { simulation_results: results });
      }
      reply(404, { error: { id: randomUUID(), slug: "not_found", message: "Not found" } });
    });
    await new Promise<void>((resolve) => tenderly.listen(0, "127.0.0.1", resolve));
    const port = (tenderly.address() as { port: number }).port;
    server = await startTestServer("intents-tenderly", {
      chains: { rpcUrls: {}, devRpcUrl: anvil.url, devChainId: ANVIL_CHAIN_ID, rpcDeadlineMs: 5000 },
      tenderly: { apiUrl: `http://127.0.0.1:${port}`, account: "acme", project: "vault", accessKey: ACCESS_KEY },
    });
    owner = await createUser(server);
  });
  after(async () => {
    await server?.close();
    await new Promise((resolve) => tenderly?.close(resolve));
    await anvil?.stop();
  });

  it("simulates through Tenderly before signing, and refuses what Tenderly says would revert", async () => {
    const token = owner.accessToken;
    const vault = await server.request("POST", "/v1/vaults", { token, body: { name: "tenderly" } });
    const agent = await server.request("POST", "/v1/agents", { token, body: { name: "t-signer", intents_api_enabled: true } });
    const agentId = agent.body.agent.id;
    const wallet = Wallet.createRandom();
    await server.request("PUT", `/v1/vaults/${vault.body.id}/secrets/keys/localhost-signer`,
      { token, body: { type: "private_key", value: wallet.privateKey } });
    await server.request("POST", `/v1/vaults/${vault.body.id}/policies`,
      { token, body: { secret_path_pattern: "keys/**", principal_type: "agent", principal_id: agentId, permissions: ["read"] } });
    await anvil.fund(wallet.address, parseEther("5"));
    const to = Wallet.createRandom().address;

    const simulated = await server.request("POST", `/v1/agents/${agentId}/transactions/simulate`,
      { token, body: { to, value: "1.25", chain: "localhost" } });
    expect(simulated.status, JSON.stringify(simulated.body)).to.equal(200);
    expect(simulated.body).to.deep.include({ status: "success", gas_used: 21000 });
    expect(simulated.body.tenderly_dashboard_url).to.equal(
      `https://dashboard.tenderly.co/acme/vault/simulator/${simulated.body.simulation_id}`);
    expect(simulated.body.balance_changes.find((c: { address: string }) => c.address === to.toLowerCase()).change).to.equal("1.25");
    expect(seen.at(-1)).to.deep.include({ path: "/api/v1/account/acme/project/vault/simulate", key: ACCESS_KEY });
    expect(seen.at(-1)!.body).to.deep.include({ network_id: String(ANVIL_CHAIN_ID), from: wallet.address, to, input: "0x", gas: 21000,
      value: parseEther("1.25").toString() });

    const bundle = await server.request("POST", `/v1/agents/${agentId}/transactions/simulate-bundle`,
      { token, body: { transactions: [{ to, value: "0.1", chain: "localhost" }, { to, value: "0.2", chain: "localhost" }] } });
    expect(bundle.body.simulations.map((s: { status: string }) => s.status)).to.deep.equal(["success", "success"]);
    expect(seen.at(-1)!.path).to.equal("/api/v1/account/acme/project/vault/simulate-bundle");

    const contract = await anvil.deploy(revertingContractInitCode("tenderly says no"));
    const reverted = await server.request("POST", `/v1/agents/${agentId}/transactions`,
      { token, body: { to: contract, value: "0", chain: "localhost", data: "0x01", gas_limit: 100000 } });
    expect(reverted.status, JSON.stringify(reverted.body)).to.equal(422);
    expect(reverted.body).to.deep.include({ status: "simulation_failed", simulation_status: "reverted" });
    expect(reverted.body.error_message).to.include("tenderly says no");

    const sent = await server.request("POST", `/v1/agents/${agentId}/transactions`, { token, body: { to, value: "0.5", chain: "localhost" } });
    expect(sent.status, JSON.stringify(sent.body)).to.equal(201);
    expect(sent.body.simulation_status).to.equal("success");
    expect((await anvil.receipt(sent.body.tx_hash)).status).to.equal("0x1");
    expect(server.logs()).to.not.include(ACCESS_KEY);
    expect(server.logs().toLowerCase()).to.not.include(wallet.privateKey.slice(2));
  });
});
