import { expect } from "chai";
import { randomUUID } from "node:crypto";
import { createPostgresEventStore } from "../../src/eventstore/postgres.js";
import type { EventStore } from "../../src/eventstore/port.js";
import { ProjectionRunner } from "../../src/projection-runner/runner.js";
import { freshPostgres, postgresServerUrl, type TestDatabase } from "../support/databases.js";
import { openPostgres } from "../../src/db/postgres.js";
import type { Database } from "../../src/db/database.js";
import { tallyProjection } from "./tally.js";
import { ADVANCE_CHANNEL, AWAITED_CHANNEL, ReadModelNotifications } from "../../src/app/read-model-notifications.js";
import pg from "pg";

/** Two "processes": each with its own pool, store and runner over one PostgreSQL database. */
(postgresServerUrl ? describe : describe.skip)("projection leadership across processes (postgres)", () => {
  let t: TestDatabase;
  const nodes: Array<{ db: Database; store: EventStore; runner: ProjectionRunner; notifications?: ReadModelNotifications }> = [];

  /** A node; with `notified`, its read-your-writes waiters and batches are wired to notifications as the server's are. */
  async function startNode(options: { catalogReads?: { count: number }; notified?: { othersPollMs: number }; batchIntervalMs?: number } = {}) {
    const db = openPostgres({ connectionString: t.url!, max: 5 });
    const store = await createPostgresEventStore(db, { notificationsUrl: t.url, pollIntervalMs: 100 });
    // The runner's reads of the catalog, counted when asked (its leadership session is a connection of its own).
    const runnerDb: Database = !options.catalogReads ? db : Object.assign(Object.create(db) as Database, {
      query: (text: string, params?: unknown[]) => {
        if (/from projection_generations/.test(text)) options.catalogReads!.count++;
        return db.query(text, params);
      },
    });
    const notifications = options.notified && new ReadModelNotifications(db);
    const runner = new ProjectionRunner({ db: runnerDb, store, projections: [tallyProjection()], leaderPollMs: 50,
      batchIntervalMs: options.batchIntervalMs,
      ...(notifications && { onWaitingOnOthers: () => notifications.waitingOnOthers(),
        batchCommitStatement: () => notifications.batchCommitStatement(), othersPollMs: options.notified!.othersPollMs }) });
    await runner.start();
    await notifications?.listen(t.url!, () => runner.advancedElsewhere(), () => runner.hurry());
    const node = { db, store, runner, notifications };
    nodes.push(node);
    return node;
  }

  async function stopNode(node: (typeof nodes)[number]) {
    nodes.splice(nodes.indexOf(node), 1);
    await node.runner.stop();
    await node.notifications?.close();
    await node.store.close();
    await node.db.close();
  }

  beforeEach(async () => {
    t = await freshPostgres();
  });

  afterEach(async () => {
    for (const node of [...nodes]) await stopNode(node);
    await t.dispose();
  });

  it("lets one process lead a projection; another takes over when it stops, with nothing applied twice", async () => {
    const a = await startNode();
    const b = await startNode();
    const leaders = (await Promise.all([a, b].map((n) => n.runner.status()))).map(([s]) => s.ledHere);
    expect(leaders).to.deep.equal([true, false]);

    const append = async (node: typeof a, count: number) => {
      let position;
      for (let i = 0; i < count; i++) {
        position = (await node.store.append(`counter-${randomUUID()}`,
          [{ id: randomUUID(), type: "Counted", data: {} }], "no_stream")).position;
      }
      return position!;
    };
    // The standby still answers waitFor: it follows the leader's progress in the catalog.
    await b.runner.waitFor(await append(b, 10), 10_000);

    await stopNode(a);
    await b.runner.waitFor(await append(b, 10), 10_000);
    const [status] = await b.runner.status();
    expect(status.ledHere).to.equal(true);
    const { rows } = await t.db.query<{ n: number; max: number }>(
      "select count(*)::int as n, max(applied) as max from public.tally");
    expect(rows[0]).to.deep.equal({ n: 20, max: 1 });
  });

  it("answers a standby's concurrent waiters with shared reads of the catalog, none older than the wait", async () => {
    const a = await startNode();
    const catalogReads = { count: 0 };
    const b = await startNode({ catalogReads });
    const { position } = await a.store.append(`counter-${randomUUID()}`,
      [{ id: randomUUID(), type: "Counted", data: {} }], "no_stream");
    await a.runner.waitFor(position, 10_000);
    catalogReads.count = 0;
    await Promise.all(Array.from({ length: 20 }, () => b.runner.waitFor(position, 10_000)));
    // The first waiter's read was sent before the others began waiting (unless within the clock's resolution);
    // they share the next one. Each sent its own before: twenty.
    expect(catalogReads.count).to.be.within(1, 2);
  });

  it("wakes a standby's waiter when the leader's batch commits, announcing batches only while somebody waits", async function () {
    this.timeout(120_000);
    // The standby's poll of the catalog far beyond the wait: only the leader's notification can release it.
    const advances = new pg.Client({ connectionString: t.url });
    await advances.connect();
    const heard = { advances: 0, interests: 0 };
    let markers = 0;
    advances.on("notification", (message) => {
      if (message.payload === "marker") markers++;
      else if (message.channel === ADVANCE_CHANNEL) heard.advances++;
      else heard.interests++;
    });
    await advances.query(`listen ${ADVANCE_CHANNEL}; listen ${AWAITED_CHANNEL}`);
    // Notifications reach a listener in the order their transactions committed: once a marker sent now has
    // arrived, so has every notification committed before it.
    const heardSoFar = async () => {
      const expected = markers + 1;
      await t.db.query(`select pg_notify('${ADVANCE_CHANNEL}', 'marker')`);
      while (markers < expected) await new Promise((resolve) => setTimeout(resolve, 5));
      return { ...heard };
    };
    try {
      await standbyReleasedByLeader(heardSoFar);
    } finally {
      await advances.end();
    }
  });

  it("ends the leader's pause between batches when a standby's waiter waits for its read model", async function () {
    this.timeout(60_000);
    // Pauses far beyond the test's timeout: only the standby's word can end the leader's.
    const a = await startNode({ notified: { othersPollMs: 25 }, batchIntervalMs: 600_000 });
    const b = await startNode({ notified: { othersPollMs: 25 }, batchIntervalMs: 600_000 });
    const append = async (node: typeof a) => (await node.store.append(`counter-${randomUUID()}`,
      [{ id: randomUUID(), type: "Counted", data: {} }], "no_stream")).position;
    const tallied = async () => (await t.db.query<{ n: number }>("select count(*)::int as n from public.tally")).rows[0].n;
    // The leader applies a batch nobody waits for, then pauses.
    await append(a);
    while ((await tallied()) < 1) await new Promise((resolve) => setTimeout(resolve, 10));
    const released = b.runner.waitFor(await append(b), 600_000).then(() => true);
    expect(await Promise.race([released, new Promise((resolve) => setTimeout(() => resolve(false), 20_000))])).to.equal(true);
    expect(await tallied()).to.equal(2);
  });

  async function standbyReleasedByLeader(heard: () => Promise<{ advances: number; interests: number }>) {
    const a = await startNode({ notified: { othersPollMs: 600_000 } });
    const b = await startNode({ notified: { othersPollMs: 600_000 } });
    const append = async (node: typeof a) => (await node.store.append(`counter-${randomUUID()}`,
      [{ id: randomUUID(), type: "Counted", data: {} }], "no_stream")).position;

    // Nobody waits on another process: the leader's batches go unannounced.
    for (let i = 0; i < 5; i++) await a.runner.waitFor(await append(a), 10_000);
    expect(await heard()).to.deep.equal({ advances: 0, interests: 0 });

    // The standby's waiters are released by the leader's word (its poll is ten minutes away): the standby says it
    // waits (at most every 250 ms), the leader answers that, and announces every batch after it with its commit.
    for (let i = 0; i < 5; i++) {
      const released = b.runner.waitFor(await append(b), 600_000).then(() => true);
      expect(await Promise.race([released, new Promise((resolve) => setTimeout(() => resolve(false), 10_000))])).to.equal(true);
    }
    expect((await heard()).advances).to.be.greaterThan(0);
  }
});
