/**
 * The Intents API over HTTP against the real server and a real local EVM node (anvil, per run, on a free
 * port): chains, legacy and EIP-1559 signing, broadcast and receipt, simulation and reverts, every
 * guardrail (the rolling daily limit across the 24 h boundary on the server's clock), nonces under 50
 * concurrent submissions, Idempotency-Key replays, signed_tx redaction, the raw-key block, chains without
 * or with an unreachable RPC, and that the signing key never reaches an event, a read model or a log line.
 */
import { expect } from "chai";
import { randomUUID } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import { Transaction, Wallet, parseEther } from "ethers";
import { createUser, type TestUser } from "../support/identity.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { storedEvents, storedEventTexts } from "../support/events.js";
import { ANVIL_CHAIN_ID, freePort, revertingContractInitCode, startAnvil, type Anvil } from "../support/anvil.js";

const RPC_DEADLINE_MS = 1500;
const DAY_MS = 24 * 60 * 60 * 1000;

interface SigningAgent {
  id: string;
  token: string;
  apiKey: string;
  keyPath: string;
  address: string;
}

describe("Intents API over HTTP, against a local EVM node", function () {
  this.timeout(240_000);
  let anvil: Anvil;
  let server: TestServer;
  let owner: TestUser;
  let vaultId: string;
  let silentRpc: Server;
  const silentSockets = new Set<Socket>();
  /** Every signing key made here, as hex without 0x: none may be stored or logged. */
  const keys: string[] = [];

  const as = (token: string) => ({
    get: (p: string) => server.request("GET", p, { token }),
    post: (p: string, body?: unknown, headers?: Record<string, string>) => server.request("POST", p, { token, body, headers }),
    patch: (p: string, body: unknown) => server.request("PATCH", p, { token, body }),
  });
  const txs = (agentId: string) => `/v1/agents/${agentId}/transactions`;
  const recipient = () => Wallet.createRandom().address;
  const balanceOf = async (address: string) => BigInt(await anvil.rpc<string>("eth_getBalance", [address, "latest"]));

  async function agentToken(apiKey: string): Promise<string> {
    const res = await server.request("POST", "/v1/auth/agent-token", { body: { api_key: apiKey } });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body.access_token;
  }

  /** An agent with the Intents API on, its own funded key at `keys/<name>` and read on `keys/**`. */
  async function signingAgent(settings: Record<string, unknown> = {}, options: { keyPath?: string; fundEth?: string } = {}):
    Promise<SigningAgent> {
    const created = await as(owner.accessToken).post("/v1/agents",
      { name: `signer-${randomUUID().slice(0, 8)}`, intents_api_enabled: true, ...settings });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    const id = created.body.agent.id as string;
    const wallet = Wallet.createRandom();
    keys.push(wallet.privateKey.slice(2));
    const keyPath = options.keyPath ?? `keys/agent-${id}`;
    const put = await server.request("PUT", `/v1/vaults/${vaultId}/secrets/${keyPath}`,
      { token: owner.accessToken, body: { type: "private_key", value: wallet.privateKey } });
    expect(put.status, JSON.stringify(put.body)).to.be.oneOf([200, 201]);
    const policy = await as(owner.accessToken).post(`/v1/vaults/${vaultId}/policies`,
      { secret_path_pattern: keyPath, principal_type: "agent", principal_id: id, permissions: ["read"] });
    expect(policy.status, JSON.stringify(policy.body)).to.equal(201);
    await anvil.fund(wallet.address, parseEther(options.fundEth ?? "100"));
    return { id, apiKey: created.body.api_key, token: await agentToken(created.body.api_key), keyPath, address: wallet.address };
  }

  const transfer = (agent: SigningAgent, body: Record<string, unknown> = {}) =>
    ({ to: recipient(), value: "0.01", chain: "localhost", signing_key_path: agent.keyPath, ...body });

  async function waitForConfirmation(agent: SigningAgent, txId: string) {
    for (let i = 0; i < 200; i++) {
      const res = await as(agent.token).get(`${txs(agent.id)}/${txId}`);
      if (res.body.block_number !== undefined || res.body.status === "failed") return res.body;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`transaction ${txId} was never confirmed`);
  }

  before(async () => {
    anvil = await startAnvil();
    // A node that accepts connections and never answers: the RPC deadline must end every call to it.
    silentRpc = createServer((socket) => { silentSockets.add(socket); socket.on("close", () => silentSockets.delete(socket)); });
    await new Promise<void>((resolve) => silentRpc.listen(0, "127.0.0.1", resolve));
    const silentPort = (silentRpc.address() as { port: number }).port;
    const closedPort = await freePort();
    server = await startTestServer("intents", { chains: {
      rpcUrls: { sepolia: `http://127.0.0.1:${silentPort}/v3/provider-key-in-path`, "84532": `http://127.0.0.1:${closedPort}` },
      devRpcUrl: anvil.url, devChainId: ANVIL_CHAIN_ID, rpcDeadlineMs: RPC_DEADLINE_MS,
    } });
    owner = await createUser(server);
    const vault = await as(owner.accessToken).post("/v1/vaults", { name: "signing" });
    expect(vault.status, JSON.stringify(vault.body)).to.equal(201);
    vaultId = vault.body.id;
  });

  after(async () => {
    await server?.close();
    for (const socket of silentSockets) socket.destroy();
    await new Promise((resolve) => silentRpc?.close(resolve));
    await anvil?.stop();
  });

  describe("chains", () => {
    it("lists the default registry and the local chain, by name or id, without RPC credentials", async () => {
      const list = await server.request("GET", "/v1/chains");
      expect(list.status).to.equal(200);
      const names = list.body.chains.map((c: { name: string }) => c.name);
      expect(names).to.include.members(["ethereum", "base", "optimism", "arbitrum-one", "polygon", "sepolia", "base-sepolia", "localhost"]);
      const base = await server.request("GET", "/v1/chains/8453");
      expect(base.body).to.deep.include({ name: "base", chain_id: 8453, is_testnet: false, is_enabled: true, native_currency: "ETH" });
      expect(base.body.id).to.match(/^[0-9a-f-]{36}$/);
      expect((await server.request("GET", "/v1/chains/Base")).body.chain_id).to.equal(8453);
      const sepolia = await server.request("GET", "/v1/chains/sepolia");
      expect(sepolia.body.rpc_url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(JSON.stringify(list.body)).not.to.include("provider-key-in-path");
      const missing = await server.request("GET", "/v1/chains/atlantis");
      expect(missing.status).to.equal(404);
      expect(missing.body.detail).to.include("atlantis");
    });
  });

  describe("signing and broadcasting", () => {
    it("signs a legacy transfer, broadcasts it, and records its receipt; reads leave signed_tx out unless asked", async () => {
      const agent = await signingAgent();
      const to = recipient();
      const res = await as(agent.token).post(txs(agent.id), transfer(agent, { to, value: "0.5", gas_price: "2000000000" }));
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body).to.deep.include({ agent_id: agent.id, chain: "localhost", chain_id: ANVIL_CHAIN_ID, status: "broadcast",
        value_wei: parseEther("0.5").toString(), simulation_status: "success" });
      const decoded = Transaction.from(res.body.signed_tx);
      expect(decoded.type).to.equal(0);
      expect(decoded.gasPrice).to.equal(2_000_000_000n);
      expect(decoded.from).to.equal(agent.address);
      expect(decoded.to).to.equal(to);
      expect(decoded.nonce).to.equal(0);
      expect(decoded.hash).to.equal(res.body.tx_hash);
      const receipt = await anvil.receipt(res.body.tx_hash);
      expect(receipt.status).to.equal("0x1");
      expect(await balanceOf(to)).to.equal(parseEther("0.5"));

      const confirmed = await waitForConfirmation(agent, res.body.id);
      expect(confirmed.block_number).to.equal(Number(BigInt(receipt.blockNumber)));
      expect(confirmed).not.to.have.property("signed_tx");
      const withSigned = await as(agent.token).get(`${txs(agent.id)}/${res.body.id}?include_signed_tx=true`);
      expect(withSigned.body.signed_tx).to.equal(res.body.signed_tx);
      expect((await as(agent.token).get(`${txs(agent.id)}/${res.body.id}?include_signed_tx=1`)).body.signed_tx).to.equal(res.body.signed_tx);
      expect((await as(agent.token).get(`${txs(agent.id)}/${res.body.id}?include_signed_tx=yes`)).body).not.to.have.property("signed_tx");
      const list = await as(owner.accessToken).get(txs(agent.id));
      expect(list.body.transactions.map((t: { id: string }) => t.id)).to.deep.equal([res.body.id]);
      expect(list.body.transactions[0]).not.to.have.property("signed_tx");
      expect((await as(owner.accessToken).get(`${txs(agent.id)}?include_signed_tx=true`)).body.transactions[0].signed_tx)
        .to.equal(res.body.signed_tx);

      const steps = await storedEvents(server.server.store, { stream: `tx-${res.body.id}` });
      expect(steps.map((e) => e.type)).to.deep.equal(["TransactionSubmitted", "TransactionSimulated", "TransactionSigned",
        "TransactionBroadcast", "TransactionConfirmed"]);
    });

    it("signs EIP-1559 when max_fee_per_gas is given", async () => {
      const agent = await signingAgent();
      const res = await as(agent.token).post(txs(agent.id),
        transfer(agent, { max_fee_per_gas: "30000000000", max_priority_fee_per_gas: "1000000000" }));
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      const decoded = Transaction.from(res.body.signed_tx);
      expect(decoded.type).to.equal(2);
      expect(decoded.maxFeePerGas).to.equal(30_000_000_000n);
      expect(decoded.maxPriorityFeePerGas).to.equal(1_000_000_000n);
      expect(decoded.chainId).to.equal(BigInt(ANVIL_CHAIN_ID));
      expect(res.body).to.deep.include({ max_fee_per_gas: "30000000000", max_priority_fee_per_gas: "1000000000" });
      expect((await anvil.receipt(res.body.tx_hash)).status).to.equal("0x1");
    });

    it("lets the agent's human submit for it, and no one else", async () => {
      const agent = await signingAgent();
      const res = await as(owner.accessToken).post(txs(agent.id), transfer(agent));
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      const stranger = await createUser(server);
      expect((await as(stranger.accessToken).post(txs(agent.id), transfer(agent))).status).to.equal(404);
      const other = await signingAgent();
      expect((await as(other.token).post(txs(agent.id), transfer(agent))).status).to.equal(403);
    });

    it("refuses agents without the Intents API, and a key the agent has no policy for", async () => {
      const created = await as(owner.accessToken).post("/v1/agents", { name: "plain" });
      const res = await as(await agentToken(created.body.api_key)).post(txs(created.body.agent.id),
        { to: recipient(), value: "0.01", chain: "localhost" });
      expect(res.status).to.equal(403);
      expect(res.body.detail).to.include("Intents API is not enabled");
      const agent = await signingAgent();
      const stranger = await signingAgent();
      const denied = await as(agent.token).post(txs(agent.id), transfer(agent, { signing_key_path: stranger.keyPath }));
      expect(denied.status, JSON.stringify(denied.body)).to.equal(403);
      const missing = await as(agent.token).post(txs(agent.id), transfer(agent, { signing_key_path: "keys/nothing-here" }));
      expect(missing.status).to.equal(404);
    });

    it("uses keys/{chain}-signer by default", async () => {
      const agent = await signingAgent({}, { keyPath: "keys/localhost-signer" });
      const res = await as(agent.token).post(txs(agent.id), { to: recipient(), value: "0.02", chain: String(ANVIL_CHAIN_ID) });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body.from).to.equal(agent.address);
    });

    it("answers 400 for malformed requests, never 500", async () => {
      const agent = await signingAgent();
      for (const body of [
        { to: "0x1234", value: "1", chain: "localhost" },
        { to: recipient(), value: "-1", chain: "localhost" },
        { to: recipient(), value: "0.0000000000000000001", chain: "localhost" },
        { to: recipient(), value: "1", chain: "localhost", gas_price: "1", max_fee_per_gas: "2" },
        { to: recipient(), value: "1", chain: "localhost", max_priority_fee_per_gas: "2" },
        { to: recipient(), value: "1", chain: "localhost", data: "0xabc" },
        { to: recipient(), value: "1", chain: "localhost", gas_price: "9".repeat(90) },
      ]) {
        const res = await as(agent.token).post(txs(agent.id), { signing_key_path: agent.keyPath, ...body });
        expect(res.status, JSON.stringify({ body, answer: res.body })).to.equal(400);
      }
      expect((await as(agent.token).post(txs(agent.id), transfer(agent, { chain: "atlantis" }))).status).to.equal(404);
    });
  });

  describe("simulation", () => {
    it("refuses to sign a call that reverts: 422 simulation_failed, nothing signed, nothing sent", async () => {
      const agent = await signingAgent();
      const contract = await anvil.deploy(revertingContractInitCode("not today"));
      const res = await as(agent.token).post(txs(agent.id),
        transfer(agent, { to: contract, value: "0", data: "0x12345678", gas_limit: 100000 }));
      expect(res.status, JSON.stringify(res.body)).to.equal(422);
      expect(res.body.status).to.equal("simulation_failed");
      expect(res.body.simulation_status).to.equal("reverted");
      expect(res.body.error_message).to.include("not today");
      expect(res.body.signed_tx ?? null).to.equal(null);
      expect(res.body).not.to.have.property("tx_hash");
      const steps = await storedEvents(server.server.store, { stream: `tx-${res.body.id}` });
      expect(steps.map((e) => e.type)).to.deep.equal(["TransactionSubmitted", "TransactionSimulated", "TransactionFailed"]);
      expect(await storedEvents(server.server.store, { type: "TransactionSigned", where: (d) => d.tx_id === res.body.id })).to.deep.equal([]);
      expect(await storedEvents(server.server.store, { type: "TransactionAuthorized", where: (d) => d.tx_id === res.body.id })).to.deep.equal([]);
      expect(await anvil.rpc("eth_getTransactionCount", [agent.address, "pending"])).to.equal("0x0");
    });

    it("simulates a transfer and a revert without signing, and a bundle on the state each call leaves", async () => {
      const agent = await signingAgent({}, { fundEth: "10" });
      const to = recipient();
      const ok = await as(agent.token).post(`${txs(agent.id)}/simulate`,
        { to, value: "1.5", chain: "localhost", signing_key_path: agent.keyPath });
      expect(ok.status, JSON.stringify(ok.body)).to.equal(200);
      expect(ok.body).to.deep.include({ status: "success", gas_used: 21000 });
      const toChange = ok.body.balance_changes.find((c: { address: string }) => c.address === to.toLowerCase());
      expect(toChange).to.deep.include({ before: "0", after: "1.5", change: "1.5", token_symbol: "ETH" });
      const contract = await anvil.deploy(revertingContractInitCode("nope"));
      const reverted = await as(agent.token).post(`${txs(agent.id)}/simulate`,
        { to: contract, value: "0", data: "0x01", chain: "localhost", signing_key_path: agent.keyPath, gas_limit: 100000 });
      expect(reverted.body).to.deep.include({ status: "reverted", revert_reason: "nope" });

      const bundle = await as(agent.token).post(`${txs(agent.id)}/simulate-bundle`, { transactions: [
        { to, value: "6", chain: "localhost", signing_key_path: agent.keyPath },
        { to, value: "6", chain: "localhost", signing_key_path: agent.keyPath },
      ] });
      expect(bundle.status, JSON.stringify(bundle.body)).to.equal(200);
      // 10 ETH: the first 6 fit; the second only would have on the original state.
      expect(bundle.body.simulations.map((s: { status: string }) => s.status)).to.deep.equal(["success", "error"]);
      expect(await anvil.rpc("eth_getTransactionCount", [agent.address, "pending"])).to.equal("0x0");
      expect(await storedEvents(server.server.store, { type: "TransactionSigned", where: (d) => d.agent_id === agent.id })).to.deep.equal([]);
    });
  });

  describe("guardrails", () => {
    it("refuses, naming the guardrail: destination, value, chain; agents cannot change their own", async () => {
      const allowed = recipient();
      const agent = await signingAgent({ tx_to_allowlist: [allowed.toLowerCase()], tx_max_value_eth: "1", tx_allowed_chains: ["localhost"] });
      const elsewhere = await as(agent.token).post(txs(agent.id), transfer(agent));
      expect(elsewhere.status).to.equal(403);
      expect(elsewhere.body.detail).to.include("tx_to_allowlist");
      const tooMuch = await as(agent.token).post(txs(agent.id), transfer(agent, { to: allowed, value: "1.000000000000000001" }));
      expect(tooMuch.status).to.equal(403);
      expect(tooMuch.body.detail).to.include("tx_max_value");
      const otherChain = await as(agent.token).post(`${txs(agent.id)}/sign`,
        transfer(agent, { to: allowed, chain: "base", gas_price: "1000", nonce: 0 }));
      expect(otherChain.status).to.equal(403);
      expect(otherChain.body.detail).to.include("tx_allowed_chains");
      const fits = await as(agent.token).post(txs(agent.id), transfer(agent, { to: allowed, value: "1" }));
      expect(fits.status, JSON.stringify(fits.body)).to.equal(201);

      const rejected = await storedEvents(server.server.store, { type: "TransactionRejected", where: (d) => d.agent_id === agent.id });
      expect(rejected.map((e) => e.data.guardrail)).to.deep.equal(["tx_to_allowlist", "tx_max_value", "tx_allowed_chains"]);
      const selfEdit = await as(agent.token).patch(`/v1/agents/${agent.id}`, { tx_max_value_eth: "1000", tx_to_allowlist: [] });
      expect(selfEdit.status).to.equal(403);
      expect((await as(owner.accessToken).get(`/v1/agents/${agent.id}`)).body.tx_max_value).to.equal("1");
    });

    it("keeps a rolling 24 h daily limit, sign-only included, across the boundary on the server's clock", async () => {
      const agent = await signingAgent({ tx_daily_limit: "1" });
      expect((await as(agent.token).post(txs(agent.id), transfer(agent, { value: "0.4" }))).status).to.equal(201);
      const signed = await as(agent.token).post(`${txs(agent.id)}/sign`, transfer(agent, { value: "0.3", chain: "base", gas_price: "1000", nonce: 7 }));
      expect(signed.status, JSON.stringify(signed.body)).to.equal(200);
      expect(signed.body).to.deep.include({ status: "sign_only", chain_id: 8453, nonce: 7, from: agent.address });
      expect(Transaction.from(signed.body.signed_tx).chainId).to.equal(8453n);
      const over = await as(agent.token).post(txs(agent.id), transfer(agent, { value: "0.4" }));
      expect(over.status).to.equal(403);
      expect(over.body.detail).to.include("tx_daily_limit");
      expect((await as(agent.token).post(txs(agent.id), transfer(agent, { value: "0.3" }))).status).to.equal(201);

      server.clock.advance(DAY_MS - 60_000); // a minute before the first one leaves the window
      const token = await agentToken(agent.apiKey);
      expect((await as(token).post(txs(agent.id), transfer(agent, { value: "0.4" }))).status).to.equal(403);
      server.clock.advance(2 * 60_000);
      // The owner's token did not survive the day either.
      const login = await server.request("POST", "/v1/auth/token", { body: { email: owner.email, password: owner.password } });
      owner = { ...owner, accessToken: login.body.access_token };
      const later = await as(token).post(txs(agent.id), transfer(agent, { value: "0.4" }));
      expect(later.status, JSON.stringify(later.body)).to.equal(201);
    });

    it("lets only one of two concurrent submissions through a limit only one fits", async () => {
      const agent = await signingAgent({ tx_daily_limit_eth: "1" });
      const answers = await Promise.all([0, 1].map(() => as(agent.token).post(txs(agent.id), transfer(agent, { value: "0.6" }))));
      expect(answers.map((a) => a.status).sort()).to.deep.equal([201, 403]);
    });
  });

  describe("nonces", () => {
    it("gives 50 concurrent submissions 50 distinct consecutive nonces, all mined", async () => {
      const agent = await signingAgent();
      const answers = await Promise.all(Array.from({ length: 50 }, () =>
        as(agent.token).post(txs(agent.id), transfer(agent, { value: "0.001", gas_price: "2000000000" }))));
      for (const answer of answers) expect(answer.status, JSON.stringify(answer.body)).to.equal(201);
      const nonces = answers.map((a) => Transaction.from(a.body.signed_tx).nonce).sort((a, b) => a - b);
      expect(nonces).to.deep.equal(Array.from({ length: 50 }, (_, i) => i));
      for (const answer of answers) expect((await anvil.receipt(answer.body.tx_hash)).status).to.equal("0x1");
      expect(Number(await anvil.rpc("eth_getTransactionCount", [agent.address, "latest"]))).to.equal(50);
    });

    it("lets an explicit nonce override", async () => {
      const agent = await signingAgent();
      const res = await as(agent.token).post(`${txs(agent.id)}/sign`, transfer(agent, { nonce: 42 }));
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(Transaction.from(res.body.signed_tx).nonce).to.equal(42);
    });
  });

  describe("Idempotency-Key", () => {
    it("answers a replay with the first transaction (200), and one of two concurrent requests with 409", async () => {
      const agent = await signingAgent();
      const body = transfer(agent);
      const first = await as(agent.token).post(txs(agent.id), body, { "Idempotency-Key": "order-1" });
      expect(first.status).to.equal(201);
      const again = await as(agent.token).post(txs(agent.id), { ...body, value: "5" }, { "Idempotency-Key": "order-1" });
      expect(again.status).to.equal(200);
      expect(again.body).to.deep.include({ id: first.body.id, tx_hash: first.body.tx_hash, signed_tx: first.body.signed_tx });
      expect(await storedEvents(server.server.store, { type: "TransactionSubmitted", where: (d) => d.agent_id === agent.id }))
        .to.have.length(1);
      const claims = await storedEvents(server.server.store, { type: "IdempotencyKeyClaimed", where: (d) => d.agent_id === agent.id });
      expect(JSON.stringify(claims.map((c) => c.data))).not.to.include("order-1");

      const racing = await Promise.all([0, 1].map(() =>
        as(agent.token).post(txs(agent.id), transfer(agent), { "Idempotency-Key": "order-2" })));
      expect(racing.map((r) => r.status).sort()).to.deep.equal([201, 409]);
      expect((await as(agent.token).post(txs(agent.id), body, { "Idempotency-Key": "order-2" })).status).to.equal(200);
    });
  });

  describe("the key stays in the vault", () => {
    it("blocks the agent's direct reads of private_key secrets while the Intents API is on", async () => {
      const agent = await signingAgent();
      const read = await as(agent.token).get(`/v1/vaults/${vaultId}/secrets/${agent.keyPath}`);
      expect(read.status).to.equal(403);
      expect(read.body.detail).to.include("Intents API");
    });

    it("chains without an RPC sign but neither broadcast nor simulate; an unreachable RPC fails within its deadline", async () => {
      const agent = await signingAgent();
      const broadcast = await as(agent.token).post(txs(agent.id), transfer(agent, { chain: "base" }));
      expect(broadcast.status).to.equal(400);
      expect(broadcast.body.detail).to.include("no RPC URL");
      const simulate = await as(agent.token).post(`${txs(agent.id)}/simulate`, transfer(agent, { chain: "base" }));
      expect(simulate.status).to.equal(400);
      const noGas = await as(agent.token).post(`${txs(agent.id)}/sign`, transfer(agent, { chain: "base" }));
      expect(noGas.status).to.equal(400);

      const started = Date.now();
      const silent = await as(agent.token).post(txs(agent.id), transfer(agent, { chain: "sepolia" }));
      const elapsed = Date.now() - started;
      expect(silent.status, JSON.stringify(silent.body)).to.equal(503);
      expect(silent.body.detail).to.include(`within ${RPC_DEADLINE_MS} ms`);
      expect(elapsed, "answered long after the RPC deadline").to.be.below(RPC_DEADLINE_MS * 5);
      const refused = await as(agent.token).post(txs(agent.id), transfer(agent, { chain: "base-sepolia" }));
      expect(refused.status).to.equal(503);
      expect(refused.body.detail).to.include("could not be reached");
      expect(JSON.stringify([silent.body, refused.body])).not.to.include("127.0.0.1");
    });

    it("never writes a signing key to an event, a read model or a log line", async () => {
      expect(keys.length).to.be.greaterThan(10);
      const events = (await storedEventTexts(server.server.store)).join("\n").toLowerCase();
      const tables = await server.server.db.query<{ name: string }>(
        `select table_schema || '.' || table_name as name from information_schema.tables
         where table_schema not in ('pg_catalog', 'information_schema') and table_type = 'BASE TABLE'`);
      let rows = "";
      for (const { name } of tables.rows) {
        const dump = await server.server.db.query<{ row: string }>(`select row_to_json(t)::text as row from ${name} t`);
        rows += dump.rows.map((r) => r.row).join("\n");
      }
      expect(rows).to.include("transaction"); // the scan saw the read models
      const logs = server.logs().toLowerCase();
      for (const key of keys) {
        expect(events.includes(key), "a key in the events").to.equal(false);
        expect(rows.toLowerCase().includes(key), "a key in a table").to.equal(false);
        expect(logs.includes(key), "a key in the logs").to.equal(false);
      }
    });
  });
});
