/**
 * Reliability harnesses (issue 9): `npm run harness -- crash|outage [--full]`. Progress goes to stderr,
 * figures to stdout; the exit code is 1 when a check failed.
 *
 *   crash   SIGKILL a server on PostgreSQL (+ SoftHSM when PKCS11_MODULE is set) under mixed load, restart,
 *           check acknowledged writes, read events, `keyledger replay` and `keyledger audit verify`.
 *           Short: 4 kill points; --full: 24.
 *   outage  stop and start a PostgreSQL cluster of its own under load. Short: 1 round; --full: 5.
 *
 * PostgreSQL for crash: DATABASE_URL (a scratch database is created on it and dropped), default
 * postgres://postgres@127.0.0.1:5432/postgres. Outage makes its own cluster (initdb, its own port).
 */
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { runCrash } from "./crash.js";
import { runOutage } from "./outage.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { full: { type: "boolean", default: false }, help: { type: "boolean", short: "h", default: false } },
});
const which = positionals[0];
// Interrupted: exit through process.exit, so the servers we started are killed (see test/support/child-server.ts).
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => process.exit(130));
if (values.help || (which !== "crash" && which !== "outage")) {
  process.stdout.write("usage: npm run harness -- crash|outage [--full]\n");
  process.exit(values.help ? 0 : 2);
}
const machine = `${cpus().length} x ${cpus()[0]?.model.trim()}, load ${loadavg().map((l) => l.toFixed(2)).join(" ")}`;
process.stderr.write(`${new Date().toISOString()} ${which}${values.full ? " --full" : ""} on ${machine}\n`);
const report = which === "crash"
  ? await runCrash({ kills: values.full ? 24 : 4, workers: 6 })
  : await runOutage({ rounds: values.full ? 5 : 1, loadMs: values.full ? 4000 : 2000, downMs: values.full ? 5000 : 3000, workers: 6 });
process.stdout.write(`${JSON.stringify({ harness: which, full: values.full, date: new Date().toISOString(), machine, ...report }, null, 2)}\n`);
if (report.violations.length > 0) {
  process.stderr.write(`FAILED: ${report.violations.length} violations\n${report.violations.join("\n")}\n`);
  process.exitCode = 1;
} else {
  process.stderr.write("all checks passed\n");
}
process.exit();
