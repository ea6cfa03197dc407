/** `keyledger replay`: the compliance replay (src/history/replay.ts) with a progress bar and a verdict. */
import { Presets, SingleBar } from "cli-progress";
import { allProjections } from "../../projections/index.js";
import type { Projection } from "../../projections/projection.js";
import { withStores } from "../app/stores.js";
import type { Config } from "../config.js";
import { replayAndCompare, type ProjectionReplay, type ReplayReport } from "../history/replay.js";

export interface ReplayCliOptions {
  projections?: readonly Projection[];
  json?: boolean;
  keep?: boolean;
  /** Where the verdict goes (default stdout); the progress bar goes to `progress` (default stderr). */
  out?: NodeJS.WritableStream;
  progress?: NodeJS.WritableStream;
}

function describe(result: ProjectionReplay): string {
  if (result.skipped) return `${result.name.padEnd(24)} SKIPPED: ${result.skipped}`;
  if (result.stuck) return `${result.name.padEnd(24)} STUCK: ${result.stuck}`;
  const head = `${result.name.padEnd(24)} ${result.equal ? "EQUAL" : "DIFFERENT"} (live g${result.generation} at ${result.position})`;
  const tables = result.tables.map((t) => `    ${t.table}: ${t.liveRows} live rows, ${t.replayRows} replayed` +
    (t.onlyLive || t.onlyReplay ? `; ${t.onlyLive} only live, ${t.onlyReplay} only replayed` : ""));
  return [head, ...tables].join("\n");
}

/** Runs the replay; resolves with the report (the caller turns `equal: false` into a failing exit code). */
export async function replayCommand(config: Config, options: ReplayCliOptions = {}): Promise<ReplayReport> {
  const out = options.out ?? process.stdout;
  return withStores(config, async ({ db, store }) => {
    const bar = new SingleBar({
      format: "replaying the log [{bar}] {percentage}% | {events} events",
      stream: options.progress ?? process.stderr, noTTYOutput: true, notTTYSchedule: 2000,
    }, Presets.shades_classic);
    bar.start(100, 0, { events: 0 });
    let report: ReplayReport;
    try {
      report = await replayAndCompare({
        db, store, projections: options.projections ?? allProjections, keep: options.keep,
        onProgress: (fraction, events) => bar.update(Math.floor(fraction * 100), { events }),
      });
      bar.update(100);
    } finally {
      bar.stop();
    }
    if (options.json) out.write(`${JSON.stringify(report, null, 2)}\n`);
    else {
      for (const result of report.projections) out.write(`${describe(result)}\n`);
      out.write(report.equal
        ? `every read model equals its replay from the log (${report.events} events)\n`
        : "MISMATCH: some read models differ from their replay from the log\n");
    }
    return report;
  });
}
