import { expect } from "chai";
import { randomUUID } from "node:crypto";
import { createPostgresEventStore } from "../../src/eventstore/postgres.js";
import type { EventStore, Position } from "../../src/eventstore/port.js";
import {
  advanceStatement, createGeneration, ensureCatalog, generationSchema, isStaleGeneration, listGenerations, requestRebuild,
} from "../../src/projection-runner/catalog.js";
import { ProjectionRunner, ReadModelsBehind } from "../../src/projection-runner/runner.js";
import { on, projection, type Projection } from "../../projections/projection.js";
import { databaseKinds, type TestDatabase } from "../support/databases.js";
import { Counted, tallyProjection } from "./tally.js";

async function appendCounted(store: EventStore, count: number, label = "x"): Promise<Position> {
  let last!: Position;
  for (let i = 0; i < count; i++) {
    const result = await store.append(`counter-${randomUUID()}`,
      [{ id: randomUUID(), type: "Counted", data: { label } }], "no_stream");
    last = result.position;
  }
  return last;
}

async function tallies(t: TestDatabase): Promise<{ rows: number; maxApplied: number }> {
  const { rows } = await t.db.query<{ rows: number; max: number | null }>(
    "select count(*)::int as rows, max(applied) as max from public.tally");
  return { rows: rows[0].rows, maxApplied: rows[0].max ?? 0 };
}

for (const kind of databaseKinds()) {
  describe(`projection runner (${kind.name})`, () => {
    let t: TestDatabase;
    let store: EventStore;
    const runners: ProjectionRunner[] = [];

    async function startRunner(projections: Projection[] = [tallyProjection()],
      options: Partial<ConstructorParameters<typeof ProjectionRunner>[0]> = {}): Promise<ProjectionRunner> {
      const runner = new ProjectionRunner({ db: t.db, store, projections, leaderPollMs: 50, ...options });
      runners.push(runner);
      await runner.start();
      return runner;
    }

    beforeEach(async () => {
      t = await kind.create();
      store = await createPostgresEventStore(t.db, { notificationsUrl: t.url, pollIntervalMs: 100 });
    });

    afterEach(async () => {
      await Promise.all(runners.splice(0).map((r) => r.stop()));
      await store.close();
      await t.dispose();
    });

    it("applies events to the live read model, and waitFor returns once a write is readable", async () => {
      const runner = await startRunner();
      const position = await appendCounted(store, 20);
      await runner.waitFor(position, 10_000);
      expect(await tallies(t)).to.deep.equal({ rows: 20, maxApplied: 1 });
      const [status] = await runner.status();
      expect(status).to.include({ name: "tally", caughtUp: true, ledHere: true, lagSeconds: 0 });
    });

    /**
     * A runner whose read models pause 600 s between batches (far beyond a test's timeout: only a waiter or
     * hurry() can end the pause), in a pause now; `batches` lists the sizes of the batches it applied.
     */
    async function pausedRunner(): Promise<{ runner: ProjectionRunner; batches: number[] }> {
      const batches: number[] = [];
      const runner = await startRunner([tallyProjection()],
        { batchIntervalMs: 600_000, onBatch: (_name, events) => batches.push(events) });
      // A batch somebody waited for is not followed by a pause.
      await runner.waitFor(await appendCounted(store, 1), 10_000);
      await appendCounted(store, 1);
      // Nobody waits for this one: it goes at once (no batch began within the interval), then a pause begins.
      while (batches.length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
      return { runner, batches };
    }

    it("with a batch interval, gathers what arrives during the pause into one batch, and a waiter ends the pause", async () => {
      const { runner, batches } = await pausedRunner();
      const last = await appendCounted(store, 9);
      // Time enough to apply the nine, were there no pause.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await tallies(t)).rows).to.equal(2);
      expect(batches).to.deep.equal([1, 1]);
      await runner.waitFor(last, 10_000);
      expect(batches).to.deep.equal([1, 1, 9]);
      expect(await tallies(t)).to.deep.equal({ rows: 11, maxApplied: 1 });
    });

    it("with a batch interval, does not pause while hurried: waiters in another process wait", async () => {
      const { runner, batches } = await pausedRunner();
      runner.hurry();
      await appendCounted(store, 3);
      while ((await tallies(t)).rows < 5) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(batches.reduce((sum, n) => sum + n, 0)).to.equal(5);
    });

    it("passes over events it does not handle without a transaction each, and records the checkpoint soon after", async () => {
      const runner = await startRunner();
      await runner.waitFor(await appendCounted(store, 3), 10_000);
      let last!: Position;
      for (let i = 0; i < 20; i++) {
        last = (await store.append(`other-${randomUUID()}`, [{ id: randomUUID(), type: "Ignored", data: {} }], "no_stream")).position;
      }
      await runner.waitFor(last, 10_000);
      // Its status counts what it skipped at once, though the catalog row is written later: no false lag.
      const [status] = await runner.status();
      expect(status.caughtUp, JSON.stringify(status)).to.equal(true);
      expect(status.lagSeconds).to.equal(0);
      const deadline = Date.now() + 10_000;
      let live = (await listGenerations(t.db, "tally"))[0];
      while (live.position.prepare !== last.prepare && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        live = (await listGenerations(t.db, "tally"))[0];
      }
      expect(live.position).to.deep.equal(last);
      expect(live.eventsApplied).to.equal(23n);
      expect(await tallies(t)).to.deep.equal({ rows: 3, maxApplied: 1 });
    });

    it("resumes from its checkpoint after a restart without applying anything twice", async () => {
      const first = await startRunner();
      await first.waitFor(await appendCounted(store, 10), 10_000);
      await first.stop();
      const position = await appendCounted(store, 10);
      const second = await startRunner();
      await second.waitFor(position, 10_000);
      expect(await tallies(t)).to.deep.equal({ rows: 20, maxApplied: 1 });
    });

    it("fences each checkpoint: a second writer from the same position fails its transaction and changes nothing", async () => {
      await ensureCatalog(t.db);
      const generation = await createGeneration(t.db, tallyProjection());
      const to = { commit: 7n, prepare: 42n };
      await t.db.transaction((tx) => tx.exec(advanceStatement(generation, to, 3)));
      // Another worker that read the catalog before that advance (it believes it leads as well).
      const error = await t.db.transaction(async (tx) => {
        await tx.exec(advanceStatement(generation, { commit: 9n, prepare: 50n }, 5));
        await tx.query(`insert into ${generationSchema("tally", generation.generation)}.tally (event_id, stream, label, applied)
          values ($1, 's', 'late', 1)`, [randomUUID()]);
      }).catch((e: unknown) => e);
      expect(isStaleGeneration(error), String(error)).to.equal(true);
      const [row] = await listGenerations(t.db, "tally");
      expect(row).to.deep.include({ position: to, eventsApplied: 3n, status: "live" });
      expect(await tallies(t)).to.deep.equal({ rows: 0, maxApplied: 0 });
      expect(() => advanceStatement({ ...generation, name: "tally'; drop table tally; --" }, to, 1)).to.throw(/not a checkpoint/);
    });

    it("rolls a failing batch back whole and retries it from the checkpoint", async () => {
      let failedOnce = false;
      const flaky = tallyProjection({
        onEach: (event) => {
          if (event.data.label === "poison" && !failedOnce) {
            failedOnce = true;
            throw new Error("handler failed once");
          }
        },
      });
      const runner = await startRunner([flaky]);
      await appendCounted(store, 3);
      const position = await appendCounted(store, 1, "poison");
      await runner.waitFor(position, 10_000);
      expect(await tallies(t)).to.deep.equal({ rows: 4, maxApplied: 1 });
      expect(failedOnce).to.equal(true);
    });

    it("names the event whose INSERT fails in the database, though runs of INSERTs go out together", async () => {
      // Plain single-row INSERTs: held back and sent as one multi-row INSERT at the batch's end, where the
      // check fails without saying whose row broke it.
      const notes = projection({
        name: "notes",
        version: 1,
        tables: ["notes"],
        schema: "create table notes (event_id uuid primary key, label text not null check (label <> 'poison'))",
        handlers: [on(Counted, async (event, tx) => {
          await tx.query("insert into notes (event_id, label) values ($1, $2)", [event.id, event.data.label ?? ""]);
        })],
      });
      const runner = await startRunner([notes]);
      await appendCounted(store, 2);
      const poison = await store.append(`counter-${randomUUID()}`,
        [{ id: randomUUID(), type: "Counted", data: { label: "poison" } }], "no_stream");
      const [poisonEvent] = (await store.readAll({ limit: 10 })).filter((e) => e.position.commit === poison.position.commit);
      // A failure naming no event, then one retry a second apart per failure that does (three make it stuck).
      for (let i = 0; i < 100 && runner.failing().length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(runner.failing()).to.deep.equal([{ projection: "notes", eventId: poisonEvent.id }]);
      const [status] = await runner.status();
      expect(status.failingEventId).to.equal(poisonEvent.id);
      expect(status.lastError).to.match(/notes_label_check/);
    });

    it("gives up waiting with ReadModelsBehind when a read model cannot reach the position", async () => {
      const stuck = tallyProjection({ onEach: () => { throw new Error("always fails"); } });
      const runner = await startRunner([stuck]);
      const position = await appendCounted(store, 1);
      const error = await runner.waitFor(position, 300).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(ReadModelsBehind);
      const [status] = await runner.status();
      expect(status.caughtUp).to.equal(false);
      expect(status.lastError).to.equal("always fails");
    });

    it("rebuilds blue/green: the old generation serves until the new one has caught up", async () => {
      const runner = await startRunner();
      await runner.waitFor(await appendCounted(store, 30), 10_000);
      const [before] = await listGenerations(t.db, "tally");
      await requestRebuild(t.db, "tally");
      // Reads during the rebuild always see the full old model or the full new one, never a partial one.
      const seen = new Set<number>();
      const deadline = Date.now() + 20_000;
      for (;;) {
        seen.add((await tallies(t)).rows);
        const generations = await listGenerations(t.db, "tally");
        const live = generations.find((g) => g.status === "live")!;
        if (live.generation > before.generation && generations.length === 1) break;
        if (Date.now() > deadline) throw new Error("rebuild did not finish");
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect([...seen]).to.deep.equal([30]);
      expect(await tallies(t)).to.deep.equal({ rows: 30, maxApplied: 1 });
      const schemas = await t.db.query<{ n: number }>(
        "select count(*)::int as n from information_schema.schemata where schema_name like 'rm_tally_%'");
      expect(schemas.rows[0].n).to.equal(1);
      await runner.waitFor(await appendCounted(store, 1), 10_000);
      expect((await tallies(t)).rows).to.equal(31);
    });

    it("drops on start a retired generation that a crash left behind", async () => {
      const first = await startRunner();
      await first.waitFor(await appendCounted(store, 3), 10_000);
      await first.stop();
      // As a crash between a swap and its drop leaves it: a generation marked retired, its schema still there.
      const left = await createGeneration(t.db, tallyProjection());
      await t.db.query("update projection_generations set status = 'retired' where name = 'tally' and generation = $1",
        [left.generation]);
      const runner = await startRunner();
      await runner.waitFor(await appendCounted(store, 1), 10_000);
      expect((await listGenerations(t.db, "tally")).map((g) => g.status)).to.deep.equal(["live"]);
      const schemas = await t.db.query<{ n: number }>(
        "select count(*)::int as n from information_schema.schemata where schema_name like 'rm_tally_%'");
      expect(schemas.rows[0].n).to.equal(1);
      expect((await tallies(t)).rows).to.equal(4);
    });

    it("builds a new version beside the old one and swaps it in when caught up", async () => {
      const v1 = await startRunner([tallyProjection({ version: 1 })]);
      await v1.waitFor(await appendCounted(store, 10), 10_000);
      await v1.stop();
      const v2 = await startRunner([tallyProjection({ version: 2 })]);
      await v2.waitFor(await appendCounted(store, 5), 10_000);
      // The retired generation is dropped just after the swap, not in its transaction.
      const deadline = Date.now() + 10_000;
      let generations = await listGenerations(t.db, "tally");
      while (generations.length > 1 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        generations = await listGenerations(t.db, "tally");
      }
      expect(generations.map((g) => [g.version, g.status])).to.deep.equal([[2, "live"]]);
      expect(await tallies(t)).to.deep.equal({ rows: 15, maxApplied: 1 });
    });
  });
}
