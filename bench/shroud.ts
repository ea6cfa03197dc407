/**
 * Shroud's cost: the latency it adds to a model call and its throughput, measured against the same fake
 * provider called directly. Three processes beside this load generator: `keyledger serve`, `keyledger
 * shroud` on the same stores, and the fake provider (test/support/fake-llm.ts).
 *
 *   DATABASE_URL=postgres://... [PKCS11_MODULE=...] node --import tsx bench/shroud.ts [--trials 3] [--seconds 3]
 *     [--concurrency 1,16] [--secrets 20]
 *
 * Each proxied call: agent key check, manifest check against the log head, request pipeline (detectors and
 * redaction over a ~1 KB prompt), the provider key read from the vault as the agent (an audited read), the
 * upstream call, response inspection, and the ShroudCallRecorded append before the answer ends.
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { postgresServerUrl } from "../test/support/databases.js";
import { call, startChildServer } from "./child-server.js";
import { cleanUpEverything, onCleanup } from "./cleanup.js";
import { describeLoad, ms, note, Report, timedLoad } from "./stats.js";

const { values } = parseArgs({
  options: {
    trials: { type: "string", default: "3" },
    seconds: { type: "string", default: "3" },
    concurrency: { type: "string", default: "1,16" },
    secrets: { type: "string", default: "20" },
    /** A directory for a CPU profile of the Shroud process (node --cpu-prof), written when it exits. */
    profile: { type: "string" },
  },
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().once("error", reject).listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

function startProcess(args: string[], env: Record<string, string | undefined>, name: string) {
  const child = spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "inherit"] });
  onCleanup(() => new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  }));
  note(`started ${name}`);
  return child;
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function processCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function waitFor(url: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await fetch(url).then((r) => r.ok, () => false))) {
    if (Date.now() > deadline) throw new Error(`${url} did not answer within 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function main(): Promise<void> {
  if (!postgresServerUrl) throw new Error("bench/shroud.ts needs PostgreSQL (DATABASE_URL): Shroud shares the API's stores");
  const trials = Number(values.trials);
  const seconds = Number(values.seconds);
  const concurrencies = values.concurrency!.split(",").map(Number);

  const fake = startProcess(["--import", "tsx", fileURLToPath(new URL("./fake-llm-server.ts", import.meta.url))], process.env, "fake provider");
  const fakeUrl = await new Promise<string>((resolve) => fake.stdout!.once("data", (chunk) => resolve(String(chunk).trim())));

  const target = await startChildServer("shroud");
  const login = await call(target.url, "POST", "/v1/auth/token", { body: { email: target.email, password: target.password } });
  const user = login.access_token as string;
  const vault = await call(target.url, "POST", "/v1/vaults", { token: user, body: { name: "bench" } });
  const providerKey = `sk-bench-${randomUUID()}`;
  await call(target.url, "PUT", `/v1/vaults/${vault.id}/secrets/providers/openai/api-key`, { token: user, body: { value: providerKey } });
  for (let i = 0; i < Number(values.secrets); i++) {
    await call(target.url, "PUT", `/v1/vaults/${vault.id}/secrets/app/key-${i}`, { token: user, body: { value: randomUUID() } });
  }
  const created = await call(target.url, "POST", "/v1/agents", { token: user,
    body: { name: "bench-agent", vault_ids: [vault.id], shroud_enabled: true } });
  await call(target.url, "POST", `/v1/vaults/${vault.id}/policies`, { token: user, body: {
    principal_type: "agent", principal_id: created.agent.id, secret_path_pattern: "**", permissions: ["read"] } });

  const port = await freePort();
  const bin = fileURLToPath(new URL("../bin/keyledger.js", import.meta.url));
  const profile = values.profile ? ["--cpu-prof", `--cpu-prof-dir=${values.profile}`] : [];
  const shroud = startProcess([...profile, bin, "shroud"], { ...target.env!, SHROUD_PORT: String(port), SHROUD_HOST: "127.0.0.1", SHROUD_OPENAI_BASE_URL: fakeUrl,
    LOG_LEVEL: "warn" }, "keyledger shroud");
  const shroudUrl = `http://127.0.0.1:${port}`;
  await waitFor(`${shroudUrl}/healthz`);

  // A ~1 KB prompt of ordinary prose: every detector runs over it and finds nothing.
  const prompt = "Please summarise the quarterly planning notes below in five bullet points for the team. ".repeat(12);
  const body = JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: prompt }] });
  const post = async (url: string, headers: Record<string, string>) => {
    const res = await fetch(`${url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
    await res.text();
    if (!res.ok) throw new Error(`${url}: ${res.status}`);
  };
  const direct = () => post(fakeUrl, { authorization: `Bearer ${providerKey}` });
  const proxied = () => post(shroudUrl, { "x-shroud-agent-key": `${created.agent.id}:${created.api_key}` });
  await proxied(); // builds the agent's manifest

  const report = new Report();
  for (const concurrency of concurrencies) {
    note(`direct c=${concurrency}`);
    const base = await timedLoad({ concurrency, trials, seconds }, direct);
    report.add({ target: target.label, measure: `direct to the fake c=${concurrency}`, rate: base.rate, unit: "req/s", detail: describeLoad(base) });
    note(`through shroud c=${concurrency}`);
    const shroudCpu = processCpuSeconds(shroud.pid!);
    const via = await timedLoad({ concurrency, trials, seconds }, proxied);
    // CPU per call: the Shroud process's own, and the machine's (serve, PostgreSQL, SoftHSM, this generator, other jobs).
    const perCall = (processCpuSeconds(shroud.pid!) - shroudCpu) * 1000 / via.operations;
    const machinePerCall = via.cpu.machine * trials * seconds * 1000 / via.operations;
    report.add({ target: target.label, measure: `through Shroud c=${concurrency}`, rate: via.rate, unit: "req/s",
      detail: `${describeLoad(via)}; added p50 ${ms(via.p50 - base.p50)}, p99 ${ms(via.p99 - base.p99)}; ` +
        `CPU per call: shroud ${ms(perCall)}, machine ${ms(machinePerCall)}` });
  }
  console.log(`\n${report.markdown()}`);
}

main().then(() => cleanUpEverything(), async (error) => {
  console.error(error);
  await cleanUpEverything();
  process.exit(1);
});
