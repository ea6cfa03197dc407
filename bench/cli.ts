/**
 * Start-up and round-trip cost of the `keyledger` bin, measured by hyperfine (a process of its own) against
 * a server on this machine (`keyledger serve` as a child, see child-server.ts):
 *
 *   npm run build && node --import tsx bench/cli.ts [--runs 30] [--secrets 20]
 *
 * `keyledger --version` (start-up alone), `keyledger secret get` (one audited read), and `keyledger run -- true`
 * with N secrets in the vault (one list, N reads in parallel, spawn). `node -e 0` is the floor. Prints a
 * Markdown table with the machine, the date and the load.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { call, startChildServer } from "./child-server.js";
import { cleanUpEverything, onCleanup } from "./cleanup.js";
import { note } from "./stats.js";

const { values } = parseArgs({ options: { runs: { type: "string", default: "30" }, secrets: { type: "string", default: "20" } } });
const runs = Number(values.runs);
const secretCount = Number(values.secrets);
const bin = fileURLToPath(new URL("../bin/keyledger.js", import.meta.url));

try {
  const target = await startChildServer("cli");
  const home = await mkdtemp(path.join(tmpdir(), "keyledger-bench-cli-"));
  onCleanup(() => rm(home, { recursive: true, force: true }));
  const project = path.join(home, "project");
  await mkdir(project);
  const env = { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: path.join(home, "xdg") };
  const cli = (args: string[], input = "") => {
    const result = spawnSync(process.execPath, [bin, ...args], { cwd: project, env, input, encoding: "utf8" });
    if (result.status !== 0) throw new Error(`keyledger ${args.join(" ")}: ${result.stderr}`);
    return result.stdout;
  };

  note("logging in and filling a vault");
  cli(["login", "--email", target.email, "--api-url", target.url], `${target.password}\n`);
  const { token } = JSON.parse(await readFile(path.join(home, "xdg", "keyledger", "config.json"), "utf8")).auth;
  const vault = await call(target.url, "POST", "/v1/vaults", { token, body: { name: "bench-cli" } });
  for (let i = 0; i < secretCount; i++) {
    await call(target.url, "PUT", `/v1/vaults/${vault.id}/secrets/app/key-${i}`, { token, body: { value: `value-${i}`, type: "api_key" } });
  }
  cli(["vault", "link", vault.id]);

  const node = JSON.stringify(process.execPath);
  const commands: [string, string][] = [
    ["node -e 0 (floor)", `${node} -e 0`],
    ["keyledger --version", `${node} ${bin} --version`],
    ["keyledger secret get app/key-0 --quiet", `${node} ${bin} secret get app/key-0 --quiet`],
    [`keyledger run -- true (${secretCount} secrets)`, `${node} ${bin} run -- true`],
  ];
  const exported = path.join(home, "hyperfine.json");
  const load = loadavg().map((l) => l.toFixed(2)).join(" ");
  note(`hyperfine: ${runs} runs each, 3 warm-ups`);
  execFileSync("hyperfine", ["--warmup", "3", "--runs", String(runs), "--shell=none", "--export-json", exported,
    ...commands.flatMap(([name, command]) => ["--command-name", name, command])], { cwd: project, env, stdio: ["ignore", "ignore", "inherit"] });
  const { results } = JSON.parse(await readFile(exported, "utf8")) as { results: { command: string; mean: number; stddev: number; median: number; min: number; max: number; user: number; system: number }[] };
  const ms = (seconds: number) => (seconds * 1000).toFixed(1);
  console.log(`\n${new Date().toISOString()} · ${cpus().length} × ${cpus()[0]?.model.trim()} · load before: ${load} · after: ${loadavg().map((l) => l.toFixed(2)).join(" ")} · server: ${target.label}\n`);
  console.log("| command | mean ms | ± σ | median | min | max | user ms | system ms |");
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const r of results) {
    console.log(`| \`${r.command}\` | ${ms(r.mean)} | ${ms(r.stddev)} | ${ms(r.median)} | ${ms(r.min)} | ${ms(r.max)} | ${ms(r.user)} | ${ms(r.system)} |`);
  }
} finally {
  await cleanUpEverything();
}
