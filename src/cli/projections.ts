/** `keyledger projections status|rebuild`: operator views of the read models. */
import { SingleBar, Presets } from "cli-progress";
import { allProjections } from "../../projections/index.js";
import type { Projection } from "../../projections/projection.js";
import { withStores } from "../app/stores.js";
import type { Database } from "../db/database.js";
import type { Config } from "../config.js";
import { parsePosition } from "../eventstore/port.js";
import { ensureCatalog, listGenerations, requestRebuild } from "../projection-runner/catalog.js";
import { ProjectionRunner, type ProjectionStatus } from "../projection-runner/runner.js";

export interface CliOptions {
  projections?: readonly Projection[];
  out?: NodeJS.WritableStream;
}

/** Runs fn with a runner that competes for leadership like a server would. */
async function withRunner<T>(config: Config, projections: readonly Projection[],
  fn: (runner: ProjectionRunner, db: Database) => Promise<T>): Promise<T> {
  return withStores(config, async ({ db, store }) => {
    const runner = new ProjectionRunner({ db, store, projections, leaderPollMs: 200 });
    await runner.start();
    try {
      return await fn(runner, db);
    } finally {
      await runner.stop();
    }
  });
}

function describe(status: ProjectionStatus): string {
  const live = status.live ? `live g${status.live.generation} v${status.live.version} at ${status.live.position}` : "no live generation";
  const building = status.building ? `, building g${status.building.generation} at ${status.building.position}` : "";
  const state = status.caughtUp ? "caught up" : `behind by ${status.lagSeconds.toFixed(1)} s`;
  return `${status.name.padEnd(24)} ${live}${building}; head ${status.head}; ${state}${status.lastError ? `; error: ${status.lastError}` : ""}`;
}

export async function projectionsStatusCommand(config: Config, options: CliOptions & { json?: boolean } = {}): Promise<void> {
  const out = options.out ?? process.stdout;
  const projections = options.projections ?? allProjections;
  const statuses = await withRunner(config, projections, (runner) => runner.status());
  if (options.json) out.write(`${JSON.stringify(statuses, null, 2)}\n`);
  else if (statuses.length === 0) out.write("no read models are defined\n");
  else for (const status of statuses) out.write(`${describe(status)}\n`);
}

/** Fraction of the log a generation has covered, from positions (the store's own order). */
function progressOf(position: string, head: string): number {
  const at = parsePosition(position).prepare;
  const end = parsePosition(head).prepare;
  if (end <= 0n) return 1;
  return Math.min(1, Math.max(0, Number(at) / Number(end)));
}

export class UnknownProjection extends Error {
  constructor(name: string, known: readonly Projection[]) {
    super(`no read model named ${name}; known: ${known.map((p) => p.name).join(", ") || "none"}`);
    this.name = "UnknownProjection";
  }
}

/**
 * Asks for a blue/green rebuild and follows it to the swap with a progress bar. Whichever process leads
 * the projection does the work: a running server, or this command when none does.
 */
export async function projectionsRebuildCommand(config: Config, name: string, options: CliOptions = {}): Promise<void> {
  const out = options.out ?? process.stderr;
  const projections = options.projections ?? allProjections;
  if (!projections.some((p) => p.name === name)) throw new UnknownProjection(name, projections);
  await withRunner(config, projections, async (runner, db) => {
    await ensureCatalog(db);
    const before = (await listGenerations(db, name)).find((g) => g.status === "live")?.generation ?? 0;
    await requestRebuild(db, name);
    const bar = new SingleBar({
      format: `rebuilding ${name} [{bar}] {percentage}% | {events} events`,
      stream: out, noTTYOutput: true, notTTYSchedule: 2000,
    }, Presets.shades_classic);
    bar.start(100, 0, { events: 0 });
    try {
      for (;;) {
        const status = (await runner.status()).find((s) => s.name === name)!;
        if (status.live && status.live.generation > before && !status.building) {
          bar.update(100, { events: status.live.eventsApplied });
          break;
        }
        if (status.building) {
          bar.update(Math.floor(progressOf(status.building.position, status.head) * 100),
            { events: status.building.eventsApplied });
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    } finally {
      bar.stop();
    }
    out.write(`${name}: rebuilt and live\n`);
  });
}
