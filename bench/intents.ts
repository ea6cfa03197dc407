/**
 * Intents API figures, over HTTP against a running server and a local EVM node (anvil, instant mining):
 * - signed and broadcast transactions/s with p50/p99: `POST /v1/agents/{id}/transactions`, a 21000-gas
 *   transfer with simulate_first (eth_call, eth_estimateGas, balances), the key read (audited), the ledger's
 *   guardrail and nonce decision, signing, eth_sendRawTransaction; all from one agent (one ledger stream)
 *   at each concurrency, and from one agent per worker;
 * - sign-only transactions/s (no RPC at all: an explicit nonce and gas price on a chain without an RPC).
 *
 *   node --import tsx bench/intents.ts [--trials 3] [--seconds 3] [--concurrency 1,8]
 *
 * The server is started as a child process (bench/child-server.ts); the load generator is this process.
 */
import { parseArgs } from "node:util";
import { Wallet, parseEther } from "ethers";
import { ANVIL_CHAIN_ID, startAnvil } from "../test/support/anvil.js";
import { call, startChildServer } from "./child-server.js";
import { cleanUpEverything, onCleanup } from "./cleanup.js";
import { describeLoad, note, Report, timedLoad } from "./stats.js";

const { values } = parseArgs({
  options: {
    trials: { type: "string", default: "3" },
    seconds: { type: "string", default: "3" },
    concurrency: { type: "string", default: "1,8" },
  },
});

async function main(): Promise<void> {
  const trials = Number(values.trials);
  const seconds = Number(values.seconds);
  const concurrencies = values.concurrency!.split(",").map(Number);
  const anvil = await startAnvil();
  onCleanup(() => anvil.stop());
  process.env.KEYLEDGER_DEV_CHAIN_RPC_URL = anvil.url;
  process.env.KEYLEDGER_DEV_CHAIN_ID = String(ANVIL_CHAIN_ID);
  const target = await startChildServer("intents");
  const login = await call(target.url, "POST", "/v1/auth/token", { body: { email: target.email, password: target.password } });
  const user = login.access_token as string;
  const vault = await call(target.url, "POST", "/v1/vaults", { token: user, body: { name: "bench" } });

  let agents = 0;
  async function signingAgent() {
    const n = agents++;
    const created = await call(target.url, "POST", "/v1/agents", { token: user,
      body: { name: `bench-signer-${n}`, intents_api_enabled: true, vault_ids: [vault.id] } });
    const wallet = Wallet.createRandom();
    await call(target.url, "PUT", `/v1/vaults/${vault.id}/secrets/keys/bench-${n}`, { token: user,
      body: { type: "private_key", value: wallet.privateKey } });
    await call(target.url, "POST", `/v1/vaults/${vault.id}/policies`, { token: user, body: {
      principal_type: "agent", principal_id: created.agent.id, secret_path_pattern: `keys/bench-${n}`, permissions: ["read"] } });
    await anvil.fund(wallet.address, parseEther("10"));
    const { access_token: token } = await call(target.url, "POST", "/v1/auth/agent-token", { body: { api_key: created.api_key } });
    return { id: created.agent.id as string, token: token as string, keyPath: `keys/bench-${n}` };
  }
  const transfer = (agent: { keyPath: string }) => ({ to: Wallet.createRandom().address, value: "0.000001", chain: "localhost",
    signing_key_path: agent.keyPath, gas_price: "2000000000" });

  const report = new Report();
  for (const concurrency of concurrencies) {
    const agent = await signingAgent();
    note(`submit (sign + broadcast), one agent, c=${concurrency}`);
    const result = await timedLoad({ concurrency, trials, seconds },
      () => call(target.url, "POST", `/v1/agents/${agent.id}/transactions`, { token: agent.token, body: transfer(agent) }));
    report.add({ target: target.label, measure: `submit, one agent c=${concurrency}`, rate: result.rate, unit: "tx/s",
      detail: describeLoad(result) });
  }
  const workers = Math.max(...concurrencies);
  if (workers > 1) {
    // One at a time: funding from anvil's dev account must not race its nonces.
    const own: Array<Awaited<ReturnType<typeof signingAgent>>> = [];
    for (let i = 0; i < workers; i++) own.push(await signingAgent());
    note(`submit (sign + broadcast), one agent per worker, c=${workers}`);
    const result = await timedLoad({ concurrency: workers, trials, seconds },
      (worker) => call(target.url, "POST", `/v1/agents/${own[worker].id}/transactions`,
        { token: own[worker].token, body: transfer(own[worker]) }));
    report.add({ target: target.label, measure: `submit, agent per worker c=${workers}`, rate: result.rate, unit: "tx/s",
      detail: describeLoad(result) });
  }
  const signer = await signingAgent();
  note(`sign only, c=${workers}`);
  const signed = await timedLoad({ concurrency: workers, trials, seconds },
    (worker, i) => call(target.url, "POST", `/v1/agents/${signer.id}/transactions/sign`, { token: signer.token,
      body: { ...transfer(signer), chain: "base", nonce: worker * 1_000_000 + i } }));
  report.add({ target: target.label, measure: `sign only c=${workers}`, rate: signed.rate, unit: "tx/s", detail: describeLoad(signed) });
  const mined = Number(BigInt(await anvil.rpc<string>("eth_blockNumber")));
  note(`anvil mined ${mined} blocks`);
  console.log(`\n${report.markdown()}`);
}

try {
  await main();
} finally {
  await cleanUpEverything();
}
