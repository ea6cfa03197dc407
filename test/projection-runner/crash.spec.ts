import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Database } from "../../src/db/database.js";
import { openPglite } from "../../src/db/pglite.js";
import { createPostgresEventStore } from "../../src/eventstore/postgres.js";
import { ProjectionRunner } from "../../src/projection-runner/runner.js";
import { freshPostgres, postgresServerUrl } from "../support/databases.js";
import { tallyProjection } from "./tally.js";

const child = path.join(path.dirname(fileURLToPath(import.meta.url)), "crash-child.ts");
const EVENTS = 50;
const KILL_AT = 30;

/** Runs the child until it kills itself mid-batch; returns how many events it had handled. */
function crashChild(target: string): number {
  const run = spawnSync(process.execPath, ["--import", "tsx", child, target, String(EVENTS), String(KILL_AT)],
    { encoding: "utf8", timeout: 60_000 });
  expect(run.signal, run.stderr).to.equal("SIGKILL");
  return run.stdout.split("\n").filter((line) => line.startsWith("handled ")).length;
}

async function recoverAndCheck(db: Database, handledBeforeCrash: number): Promise<void> {
  const committed = await db.query<{ n: number }>("select count(*)::int as n from public.tally");
  // The batch was under way (events handled) but nothing of it was committed.
  expect(handledBeforeCrash).to.equal(KILL_AT);
  expect(committed.rows[0].n).to.equal(0);

  const store = await createPostgresEventStore(db);
  const runner = new ProjectionRunner({ db, store, projections: [tallyProjection()] });
  await runner.start();
  try {
    await runner.waitFor(await store.headPosition(), 20_000);
    const { rows } = await db.query<{ n: number; max: number; min: number }>(
      "select count(*)::int as n, max(applied) as max, min(applied) as min from public.tally");
    expect(rows[0]).to.deep.equal({ n: EVENTS, max: 1, min: 1 });
  } finally {
    await runner.stop();
    await store.close();
  }
}

describe("projection runner killed in the middle of a batch", () => {
  it("applies nothing twice and nothing lost after a restart (pglite data directory)", async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), "keyledger-crash-"));
    try {
      const handled = crashChild(dataDir);
      const db = await openPglite({ dataDir });
      try {
        await recoverAndCheck(db, handled);
      } finally {
        await db.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  (postgresServerUrl ? it : it.skip)("applies nothing twice and nothing lost after a restart (postgres)", async () => {
    const t = await freshPostgres();
    try {
      const handled = crashChild(t.url!);
      await recoverAndCheck(t.db, handled);
    } finally {
      await t.dispose();
    }
  });
});
