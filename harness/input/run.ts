/**
 * Input reliability harnesses (issue 9): `npm run harness:input -- fuzz|concurrency|all [--full] [--seed N]`.
 * Progress goes to stderr, the report (JSON) to stdout; the exit code is 1 when a check failed. Every run
 * ends with the leak scan over what it left behind.
 *
 *   fuzz         requests generated from /openapi.json. Short: 3,000; --full: 100,000.
 *   concurrency  rounds of 200 parallel callers on max_access_count and share counts. Short: 3; --full: 20.
 *   all          both, on one server.
 *
 * The server runs as a child process on a scratch database on DATABASE_URL (default the machine's
 * postgres://postgres@127.0.0.1:5432), with SoftHSM keys when PKCS11_MODULE is set.
 */
import { cpus, loadavg, totalmem } from "node:os";
import { parseArgs } from "node:util";
import { runInputHarnesses } from "./all.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { full: { type: "boolean", default: false }, seed: { type: "string" }, help: { type: "boolean", short: "h", default: false } },
});
const which = positionals[0];
if (values.help || !["fuzz", "concurrency", "all"].includes(which ?? "")) {
  process.stdout.write("usage: npm run harness:input -- fuzz|concurrency|all [--full] [--seed N]\n");
  process.exit(values.help ? 0 : 2);
}
const machine = `${cpus().length} x ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, ` +
  `load ${loadavg().map((l) => l.toFixed(2)).join(" ")}`;
const log = (line: string) => process.stderr.write(`${line}\n`);
log(`${new Date().toISOString()} ${which}${values.full ? " --full" : ""} on ${machine}`);
const report = await runInputHarnesses({
  fuzzRequests: which === "concurrency" ? 0 : values.full ? 100_000 : 3_000,
  rounds: which === "fuzz" ? 0 : values.full ? 20 : 3,
  seed: values.seed === undefined ? undefined : Number(values.seed),
  log,
});
process.stdout.write(`${JSON.stringify({ harness: which, full: values.full, date: new Date().toISOString(), machine, ...report }, null, 2)}\n`);
if (report.violations.length > 0) {
  log(`FAILED: ${report.violations.length} violations\n${report.violations.join("\n")}`);
  process.exitCode = 1;
} else {
  log("all checks passed");
}
process.exit();
