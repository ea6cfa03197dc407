/**
 * Keyledger benchmarks: `npm run bench [-- options]`. Figures go to stdout (a line per figure as it is
 * measured, then a Markdown table); progress bars and phase notes go to stderr.
 *
 *   --only stores,projections,keys,load  which sections (default: all)
 *   --targets pglite,postgres,eventstoredb,local,pkcs11
 *                                        which configurations (default: all that are available)
 *   --events 100000                      events read by read-all and projected by catch-up/rebuild
 *   --trials 3 --seconds 2               timed measures: median of trials of this length
 *   --follow-seconds 5                   appends made while the runner follows
 *   --read-batch 1000                    read-all batch size
 *   --pkcs11-sessions 8                  PKCS#11 sessions (the provider's concurrency)
 *   --batch-size 500                     events per subscription batch (the PostgreSQL store's batchSize)
 *   --load-seconds 10                    length of each wrk run of the load section
 *   --warmup-seconds 3                   an uncounted wrk run before each measured one (V8 compiling the hot path)
 *   --connections 64 --write-connections 16 --secrets 20
 *                                        the load section's connections (reads, health; writes) and secrets
 *   --rate 2000 --embedded-rate 300      the load section's open-loop reads a second (PostgreSQL, embedded)
 *   --workers 1,2                        the load section's PostgreSQL runs, one per KEYLEDGER_WORKERS count
 *   --cpu-prof DIR                       the load section's servers write V8 CPU profiles there
 *   --quick                              small sizes, one short trial each (smoke test, ~1 min)
 *
 * PostgreSQL: DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres if it answers; a scratch
 * database is created and dropped. EventStoreDB: only when EVENTSTORE_URL is set.
 */
import { cpus, loadavg, totalmem } from "node:os";
import { parseArgs } from "node:util";
import { cleanUpEverything } from "./cleanup.js";
import { benchKeys } from "./keys.js";
import { benchLoad } from "./load.js";
import { benchProjections } from "./projections.js";
import { Report, note } from "./stats.js";
import { availableTargets, benchAppends, benchReadAll } from "./stores.js";

const { values } = parseArgs({
  options: {
    only: { type: "string" },
    targets: { type: "string" },
    events: { type: "string" },
    trials: { type: "string" },
    seconds: { type: "string" },
    "follow-seconds": { type: "string" },
    "read-batch": { type: "string" },
    "pkcs11-sessions": { type: "string" },
    "batch-size": { type: "string" },
    "load-seconds": { type: "string" },
    "warmup-seconds": { type: "string" },
    connections: { type: "string" },
    "write-connections": { type: "string" },
    secrets: { type: "string" },
    workers: { type: "string" },
    rate: { type: "string" },
    "embedded-rate": { type: "string" },
    "cpu-prof": { type: "string" },
    quick: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});

if (values.help) {
  console.log("npm run bench -- [--only stores,projections,keys,load] [--targets pglite,postgres,eventstoredb,local,pkcs11]\n" +
    "  [--events 100000] [--trials 3] [--seconds 2] [--follow-seconds 5] [--read-batch 1000] [--pkcs11-sessions 8]\n" +
    "  [--batch-size 500] [--load-seconds 10] [--warmup-seconds 3] [--connections 64] [--write-connections 16] [--secrets 20] [--rate 2000] [--embedded-rate 300] [--workers 1,2] [--cpu-prof DIR] [--quick]");
  process.exit(0);
}

const list = (text: string | undefined, all: string[]) => (text ? text.split(",").map((s) => s.trim()) : all);
const sections = list(values.only, ["stores", "projections", "keys", "load"]);
const targets = list(values.targets, ["pglite", "postgres", "eventstoredb", "local", "pkcs11"]);
const number = (text: string | undefined, normal: number, quick: number) => Number(text ?? (values.quick ? quick : normal));
const events = number(values.events, 100_000, 20_000);
const trials = number(values.trials, 3, 1);
const seconds = number(values.seconds, 2, 1);
const followSeconds = number(values["follow-seconds"], 5, 2);
const readBatch = number(values["read-batch"], 1000, 1000);
const pkcs11Sessions = number(values["pkcs11-sessions"], 8, 8);
/** Undefined: the store's default, as the server runs it. */
const batchSize = values["batch-size"] ? Number(values["batch-size"]) : undefined;

const report = new Report();
const startedAt = Date.now();
console.log(`keyledger bench ${new Date().toISOString()}: ${cpus().length} × ${cpus()[0]?.model ?? "?"}, ` +
  `${(totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}, load ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
console.log(`sections ${sections.join(",")}; events ${events}, ${trials} trial(s) × ${seconds} s, follow ${followSeconds} s; ` +
  `subscription batch ${batchSize ?? "default (500)"}\n`);

let failed = false;
try {
  if (sections.includes("stores") || sections.includes("projections")) {
    const { targets: stores, skipped } = await availableTargets(targets, batchSize);
    for (const s of skipped) report.skip(s.name, s.reason);
    for (const factory of stores) {
      note(`${factory.name}: opening`);
      const target = await factory.open();
      try {
        if (sections.includes("stores")) {
          await benchAppends(target, report, { trials, seconds, events, readBatch });
          await benchReadAll(target, report, { trials, seconds, events, readBatch });
        }
        if (sections.includes("projections")) await benchProjections(target, report, { events, followSeconds, trials });
      } finally {
        await target.dispose();
      }
    }
  }
  if (sections.includes("keys")) await benchKeys(report, { trials, seconds, pkcs11Sessions }, targets);
  if (sections.includes("load")) {
    await benchLoad(report, {
      seconds: number(values["load-seconds"], 10, 3), warmupSeconds: number(values["warmup-seconds"], 3, 1), connections: number(values.connections, 64, 64),
      writeConnections: number(values["write-connections"], 16, 16), secrets: number(values.secrets, 20, 20),
      targets: targets.filter((t) => t === "postgres" || t === "pglite"), cpuProfDir: values["cpu-prof"],
      workers: list(values.workers, ["1"]).map((w) => number(w, 1, 1)),
      rate: number(values.rate, 2000, 2000), embeddedRate: number(values["embedded-rate"], 300, 300),
    });
  }
} catch (error) {
  failed = true;
  console.error(error);
} finally {
  await cleanUpEverything();
}
console.log(`\n${report.markdown()}\n\ntotal ${((Date.now() - startedAt) / 1000).toFixed(0)} s, load ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
process.exit(failed ? 1 : 0);
