/**
 * Secret figures, over HTTP against a running server:
 * - audited secret reads/s with p50/p99 at each concurrency: `GET /v1/vaults/{id}/secrets/{path}` by an agent
 *   holding a read policy (token check, policy evaluation, the SecretValueRead append, DEK unwrap through the
 *   key provider, AES-GCM decrypt);
 * - secret writes/s: `PUT` of a new version (seal under the vault's KEK, append, read-your-writes wait);
 * - projection lag under that load: the highest `keyledger_projection_lag_seconds` seen on /metrics,
 *   sampled every 250 ms while each load runs.
 *
 *   node --import tsx bench/secrets.ts [--trials 3] [--seconds 3] [--concurrency 1,16,64] [--secrets 100]
 *
 * The server is started as a child process (bench/child-server.ts): PostgreSQL when DATABASE_URL is set,
 * SoftHSM when PKCS11_MODULE is set, else embedded (PGlite, local keys).
 */
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { call, startChildServer } from "./child-server.js";
import { cleanUpEverything } from "./cleanup.js";
import { describeLoad, note, Report, timedLoad } from "./stats.js";

const { values } = parseArgs({
  options: {
    trials: { type: "string", default: "3" },
    seconds: { type: "string", default: "3" },
    concurrency: { type: "string", default: "1,16,64" },
    secrets: { type: "string", default: "100" },
  },
});

/** Highest projection lag on /metrics while `during` runs. */
async function sampleLag<T>(url: string, during: () => Promise<T>): Promise<{ result: T; maxLagSeconds: number }> {
  let maxLagSeconds = 0;
  let running = true;
  const sampler = (async () => {
    while (running) {
      const text = await fetch(`${url}/metrics`).then((r) => r.text(), () => "");
      for (const match of text.matchAll(/^keyledger_projection_lag_seconds\{[^}]*\} ([\d.eE+-]+)$/gm)) {
        maxLagSeconds = Math.max(maxLagSeconds, Number(match[1]));
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  try {
    return { result: await during(), maxLagSeconds };
  } finally {
    running = false;
    await sampler;
  }
}

async function main(): Promise<void> {
  const target = await startChildServer("secrets");
  const trials = Number(values.trials);
  const seconds = Number(values.seconds);
  const secretCount = Number(values.secrets);
  const concurrencies = values.concurrency!.split(",").map(Number);

  const login = await call(target.url, "POST", "/v1/auth/token", { body: { email: target.email, password: target.password } });
  const user = login.access_token as string;
  const vault = await call(target.url, "POST", "/v1/vaults", { token: user, body: { name: "bench" } });
  const created = await call(target.url, "POST", "/v1/agents", { token: user, body: { name: "bench-agent", vault_ids: [vault.id] } });
  await call(target.url, "POST", `/v1/vaults/${vault.id}/policies`, { token: user, body: {
    principal_type: "agent", principal_id: created.agent.id, secret_path_pattern: "bench/**", permissions: ["read"] } });
  const { access_token: agent } = await call(target.url, "POST", "/v1/auth/agent-token", { body: { api_key: created.api_key } });
  note(`storing ${secretCount} secrets`);
  const paths = Array.from({ length: secretCount }, (_, i) => `bench/key-${i}`);
  for (const path of paths) {
    await call(target.url, "PUT", `/v1/vaults/${vault.id}/secrets/${path}`, { token: user, body: { value: randomUUID() } });
  }

  const report = new Report();
  for (const concurrency of concurrencies) {
    note(`audited reads c=${concurrency}`);
    const { result, maxLagSeconds } = await sampleLag(target.url, () => timedLoad({ concurrency, trials, seconds },
      (worker, i) => call(target.url, "GET", `/v1/vaults/${vault.id}/secrets/${paths[(worker * 7 + i) % paths.length]}`,
        { token: agent })));
    report.add({ target: target.label, measure: `audited secret read c=${concurrency}`, rate: result.rate, unit: "req/s",
      detail: `${describeLoad(result)}; max projection lag ${maxLagSeconds.toFixed(2)} s` });
  }
  for (const concurrency of concurrencies.filter((c) => c <= 16)) {
    note(`secret writes c=${concurrency}`);
    const { result, maxLagSeconds } = await sampleLag(target.url, () => timedLoad({ concurrency, trials, seconds },
      (worker, i) => call(target.url, "PUT", `/v1/vaults/${vault.id}/secrets/bench/write-${worker}-${i % 50}`,
        { token: user, body: { value: randomUUID() } })));
    report.add({ target: target.label, measure: `secret write c=${concurrency}`, rate: result.rate, unit: "req/s",
      detail: `${describeLoad(result)}; max projection lag ${maxLagSeconds.toFixed(2)} s` });
  }
  console.log(`\n${report.markdown()}`);
}

try {
  await main();
} finally {
  await cleanUpEverything();
}
