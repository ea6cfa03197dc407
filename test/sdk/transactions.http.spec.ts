/**
 * The SDK's chains and Intents API methods against the real server and a local EVM node: the same shapes
 * the server answers, errors as values, the Idempotency-Key it sends, signed_tx only when asked for.
 */
import { expect } from "chai";
import { randomUUID } from "node:crypto";
import { Transaction, Wallet } from "ethers";
import { createClient, type KeyledgerClient } from "../../src/sdk/index.js";
import { ok } from "./fixtures.js";
import { revertingContractInitCode } from "../support/anvil.js";
import { startIntentsWorld, type IntentsWorld } from "../support/intents.js";

describe("SDK: chains and the Intents API", function () {
  this.timeout(120_000);
  let world: IntentsWorld;
  let agentId: string;
  let address: string;
  let agent: KeyledgerClient;

  before(async () => {
    world = await startIntentsWorld("sdk-intents");
    const created = await world.signingAgent({ tx_max_value: "1" });
    ({ agentId, address } = created);
    agent = createClient({ baseUrl: world.server.url, apiKey: created.apiKey });
  });
  after(async () => world?.close());

  it("lists chains and finds one by name or id, without credentials", async () => {
    const anonymous = createClient({ baseUrl: world.server.url });
    const chains = ok(await anonymous.chains.list()).chains;
    expect(chains.map((c) => c.name)).to.include.members(["ethereum", "base", "sepolia", "localhost"]);
    expect(ok(await anonymous.chains.get("base")).chain_id).to.equal(8453);
    expect(ok(await anonymous.chains.get(31337)).name).to.equal("localhost");
    const missing = await anonymous.chains.get("atlantis");
    expect(missing.error?.type).to.equal("not_found");
    expect(missing.meta.status).to.equal(404);
  });

  it("simulates one transaction and a bundle", async () => {
    const to = Wallet.createRandom().address;
    const simulation = ok(await agent.agents.simulateTransaction(agentId, { to, value: "0.25", chain: "localhost" }));
    expect(simulation).to.deep.include({ status: "success", gas_used: 21000 });
    expect(simulation.balance_changes?.find((c) => c.address === to.toLowerCase())?.change).to.equal("0.25");
    const bundle = ok(await agent.agents.simulateBundle(agentId, { transactions: [
      { to, value: "0.1", chain: "localhost" }, { to, value: "0.2", chain: "localhost" }] }));
    expect(bundle.simulations.map((s) => s.status)).to.deep.equal(["success", "success"]);
  });

  it("submits, replays by Idempotency-Key, lists and reads, with signed_tx only when asked for", async () => {
    const to = Wallet.createRandom().address;
    const submitted = await agent.agents.submitTransaction(agentId, { to, value: "0.5", chain: "localhost" }, { idempotencyKey: "sdk-1" });
    expect(submitted.meta.status).to.equal(201);
    const tx = ok(submitted);
    expect(tx).to.deep.include({ agent_id: agentId, chain: "localhost", chain_id: 31337, status: "broadcast", from: address });
    expect(Transaction.from(tx.signed_tx!).hash).to.equal(tx.tx_hash);
    const replay = await agent.agents.submitTransaction(agentId, { to, value: "0.5", chain: "localhost" }, { idempotencyKey: "sdk-1" });
    expect(replay.meta.status).to.equal(200);
    expect(ok(replay).id).to.equal(tx.id);
    // Without a key of its own, each call gets a fresh one: two calls are two transactions.
    const again = ok(await agent.agents.submitTransaction(agentId, { to, value: "0.01", chain: "localhost" }));
    expect(again.id).to.not.equal(tx.id);

    const listed = ok(await agent.agents.listTransactions(agentId)).transactions;
    expect(listed.map((t) => t.id)).to.include.members([tx.id, again.id]);
    for (const t of listed) expect(t).to.not.have.property("signed_tx");
    const withBytes = ok(await agent.agents.listTransactions(agentId, { includeSignedTx: true })).transactions;
    expect(withBytes.find((t) => t.id === tx.id)?.signed_tx).to.equal(tx.signed_tx);
    expect(ok(await agent.agents.getTransaction(agentId, tx.id))).to.not.have.property("signed_tx");
    expect(ok(await agent.agents.getTransaction(agentId, tx.id, { includeSignedTx: true })).signed_tx).to.equal(tx.signed_tx);
    expect((await agent.agents.getTransaction(agentId, randomUUID())).error?.type).to.equal("not_found");
    expect(ok(await world.owner.client.agents.listTransactions(agentId)).transactions.length).to.equal(listed.length);
  });

  it("signs without broadcasting, on a chain without an RPC", async () => {
    const to = Wallet.createRandom().address;
    const signed = await agent.agents.signTransaction(agentId, { to, value: "0.1", chain: "base", gas_price: "1000000000", nonce: 3,
      signing_key_path: "keys/localhost-signer" });
    expect(signed.meta.status).to.equal(200);
    const body = ok(signed);
    expect(body).to.deep.include({ status: "sign_only", chain: "base", chain_id: 8453, nonce: 3, from: address, to });
    const decoded = Transaction.from(body.signed_tx);
    expect(decoded.chainId).to.equal(8453n);
    expect(decoded.hash).to.equal(body.tx_hash);
    expect(ok(await agent.agents.getTransaction(agentId, body.id!)).status).to.equal("sign_only");
  });

  it("answers refusals as error values: a guardrail (403), a revert (422), bad input (400)", async () => {
    const to = Wallet.createRandom().address;
    const guarded = await agent.agents.submitTransaction(agentId, { to, value: "2", chain: "localhost" });
    expect(guarded.meta.status).to.equal(403);
    expect(guarded.error?.message).to.include("tx_max_value");
    const contract = await world.anvil.deploy(revertingContractInitCode("no entry"));
    const reverted = await agent.agents.submitTransaction(agentId, { to: contract, value: "0", chain: "localhost", data: "0x01",
      gas_limit: 100000 });
    expect(reverted.meta.status).to.equal(422);
    expect(reverted.error?.type).to.equal("validation_error");
    expect(reverted.error?.message).to.include("no entry");
    const malformed = await agent.agents.submitTransaction(agentId, { to: "0x12", value: "1", chain: "localhost" });
    expect(malformed.meta.status).to.equal(400);
    expect(malformed.error?.type).to.equal("validation_error");
  });
});
