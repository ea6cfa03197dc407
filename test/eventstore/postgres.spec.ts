/** What the PostgreSQL adapter promises beyond the shared contract. */
import { randomUUID } from "node:crypto";
import { expect } from "chai";
import pg from "pg";
import { openPostgres } from "../../src/db/postgres.js";
import { READ_AFTER, PartlyAppendedBefore, createPostgresEventStore } from "../../src/eventstore/postgres.js";
import { Announcer, APPEND_CHANNEL, Listener } from "../../src/eventstore/postgres-notifications.js";
import {
  START,
  comparePositions,
  type EventStore,
  type EventToAppend,
  type Position,
  type RecordedEvent,
} from "../../src/eventstore/port.js";
import { databaseKinds, freshPostgres, postgresServerUrl, type TestDatabase } from "../support/databases.js";

function event(): EventToAppend {
  return { id: randomUUID(), type: "ThingHappened", data: {} };
}

/** Resolves with the first `count` events the subscription delivers. */
function firstEvents(store: EventStore, count: number): { events: Promise<RecordedEvent[]>; stop(): Promise<void> } {
  const seen: RecordedEvent[] = [];
  let done!: (events: RecordedEvent[]) => void;
  let fail!: (error: unknown) => void;
  const events = new Promise<RecordedEvent[]>((resolve, reject) => ((done = resolve), (fail = reject)));
  const subscription = store.subscribeToAll({
    async onEvents(batch) {
      seen.push(...batch);
      if (seen.length >= count) done(seen.slice(0, count));
    },
    onError: fail,
  });
  return { events, stop: () => subscription.stop() };
}

for (const kind of databaseKinds()) {
  describe(`PostgreSQL event store on ${kind.name}`, function () {
    let database: TestDatabase;
    const stores: EventStore[] = [];

    beforeEach(async function () {
      database = await kind.create();
    });

    afterEach(async function () {
      await Promise.all(stores.splice(0).map((s) => s.close()));
      await database.dispose();
    });

    async function open(options: Parameters<typeof createPostgresEventStore>[1] = {}): Promise<EventStore> {
      const store = await createPostgresEventStore(database.db, options);
      stores.push(store);
      return store;
    }

    it("returns the original position when the same events are appended again", async function () {
      const store = await open();
      const batch = [event(), event()];
      const first = await store.append("thing-1", batch, "no_stream");
      await store.append("thing-1", [event()], "any");
      const again = await store.append("thing-1", batch, "no_stream");
      expect(again.nextRevision).to.equal(1n);
      expect(comparePositions(again.position, first.position)).to.equal(0);
      expect(await store.readStream("thing-1")).to.have.length(3);
    });

    it("refuses a batch of which only some events were appended before", async function () {
      const store = await open();
      const earlier = event();
      await store.append("thing-1", [earlier], "no_stream");
      let error: unknown;
      await store.append("thing-1", [earlier, event()], "any").catch((e: unknown) => (error = e));
      expect(error).to.be.instanceOf(PartlyAppendedBefore);
      expect(await store.readStream("thing-1")).to.have.length(1);
    });

    it("reads an empty store as empty, with START as its head", async function () {
      const store = await open();
      expect(await store.readAll()).to.deep.equal([]);
      expect(await store.headPosition()).to.deep.equal(START);
    });

    it("creates its schema once when two stores start at the same time", async function () {
      const [a, b] = await Promise.all([open(), open()]);
      await a.append("thing-1", [event()], "no_stream");
      expect(await b.readStream("thing-1")).to.have.length(1);
    });

    it("reads the log once per ring: a page with fewer events than asked for is followed by a wait, not a read", async function () {
      // Issue 12: after each batch a subscriber read the log again and found nothing, one query per wake.
      let reads = 0;
      const counted = new Proxy(database.db, {
        get(target, property, receiver) {
          if (property !== "query") return Reflect.get(target, property, receiver);
          return (sql: string, params?: unknown[]) => {
            if (sql === READ_AFTER) reads++;
            return target.query(sql, params);
          };
        },
      });
      const store = await createPostgresEventStore(counted, { pollIntervalMs: 600_000 });
      stores.push(store);
      const first = [event(), event()];
      await store.append("thing-1", first, "no_stream");
      const subscriber = firstEvents(store, 3);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(reads).to.equal(1);
      const third = event();
      await store.append("thing-2", [third], "no_stream");
      expect((await subscriber.events).map((e) => e.id)).to.deep.equal([...first, third].map((e) => e.id));
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(reads).to.equal(2);
      await subscriber.stop();
    });

    it("answers live subscribers from their own pages: a read of the log far behind them does not replace those events", async function () {
      // Issue 12: status()'s one-event lag probes (and replays, rebuilds) started the run over at their position.
      const readsAfter: string[] = [];
      const counted = new Proxy(database.db, {
        get(target, property, receiver) {
          if (property !== "query") return Reflect.get(target, property, receiver);
          return (sql: string, params?: unknown[]) => {
            if (sql === READ_AFTER) readsAfter.push(`${params![0]}/${params![1]}`);
            return target.query(sql, params);
          };
        },
      });
      const store = await createPostgresEventStore(counted, { pollIntervalMs: 600_000 });
      stores.push(store);
      const appended = [event(), event(), event(), event()];
      await store.append("thing-1", appended, "no_stream");
      const [, second, third, fourth] = (await store.readStream("thing-1")).map((e) => e.position);
      const at = (position: Position) => `${position.commit}/${position.prepare}`;
      const subscribe = (after: Position, seen: string[]) =>
        store.subscribeToAll({ after, onEvents: async (batch) => void seen.push(...batch.map((e) => e.id)) });
      const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

      const live = subscribe(second!, []);
      await settle();
      expect(readsAfter).to.deep.equal([at(second!)]);
      expect((await store.readAll({ after: START, limit: 1 })).map((e) => e.id)).to.deep.equal([appended[0]!.id]);

      // A subscriber from the third event on gets the fourth from the live one's page, and reads the log only
      // after it (to find nothing newer).
      const seen: string[] = [];
      const other = subscribe(third!, seen);
      await settle();
      await other.stop();
      await live.stop();
      expect(seen).to.deep.equal([appended[3]!.id]);
      expect(readsAfter).to.have.length(3);
      expect(readsAfter[2]).to.equal(at(fourth!));
    });

    if (kind.name === "pglite") {
      it("shows a subscriber appends made through another store instance, at its next poll", async function () {
        const subscriberSide = await open({ pollIntervalMs: 20 });
        const appenderSide = await open();
        const subscriber = firstEvents(subscriberSide, 1);
        const appended = event();
        await appenderSide.append("thing-1", [appended], "no_stream");
        expect((await subscriber.events).map((e) => e.id)).to.deep.equal([appended.id]);
        await subscriber.stop();
      });
    }
  });
}

if (postgresServerUrl) {
  describe("PostgreSQL event store across processes", function () {
    let database: TestDatabase;
    let cleanups: Array<() => Promise<void>>;

    beforeEach(async function () {
      database = await freshPostgres();
      cleanups = [];
    });

    afterEach(async function () {
      for (const cleanup of cleanups.reverse()) await cleanup();
      await database.dispose();
    });

    it("wakes a subscriber on appends made by another process, through LISTEN/NOTIFY", async function () {
      // A poll far beyond the test's timeout: only the notification can deliver in time.
      this.timeout(10_000);
      const subscriberSide = await createPostgresEventStore(database.db, {
        notificationsUrl: database.url,
        pollIntervalMs: 600_000,
      });
      cleanups.push(() => subscriberSide.close());
      const otherProcessDb = openPostgres({ connectionString: database.url! });
      cleanups.push(() => otherProcessDb.close());
      const appenderSide = await createPostgresEventStore(otherProcessDb);
      cleanups.push(() => appenderSide.close());

      const subscriber = firstEvents(subscriberSide, 2);
      cleanups.push(() => subscriber.stop());
      const appended = [event(), event()];
      await appenderSide.append("thing-1", [appended[0]], "no_stream");
      await appenderSide.append("thing-2", [appended[1]], "no_stream");
      expect((await subscriber.events).map((e) => e.id)).to.deep.equal(appended.map((e) => e.id));
    });

    it("names the sender in its notifications, so that a store can skip the echo of its own appends", async function () {
      const heard: Array<{ channel: string; payload: string }> = [];
      let arrived = () => {};
      const listener = await Listener.start(database.url!, {
        [APPEND_CHANNEL]: (payload) => {
          heard.push({ channel: APPEND_CHANNEL, payload });
          arrived();
        },
      }, { connected: () => {}, reconnectDelayMs: 1000 });
      cleanups.push(() => listener.close());
      const next = () => new Promise<void>((resolve) => (arrived = resolve));

      let notified = next();
      const named = new Announcer(database.db, APPEND_CHANNEL, "store-1");
      named.announce();
      await notified;
      notified = next();
      // Read models' announcers name nobody: every listener acts on them.
      new Announcer(database.db, APPEND_CHANNEL).announce();
      await notified;
      expect(heard).to.deep.equal([{ channel: APPEND_CHANNEL, payload: "store-1" }, { channel: APPEND_CHANNEL, payload: "" }]);
    });

    /** A slow writer on a connection of its own: its transaction takes its xid and appends first, and commits when told. */
    async function startSlowWrite(): Promise<{ event: EventToAppend; commit(): Promise<unknown> }> {
      const slow = new pg.Client({ connectionString: database.url });
      await slow.connect();
      cleanups.push(() => slow.end());
      const slowEvent = event();
      await slow.query("begin");
      await slow.query("select * from eventstore_append($1, $2::jsonb, 'no_stream')", ["slow-1", JSON.stringify([slowEvent])]);
      return { event: slowEvent, commit: () => slow.query("commit") };
    }

    it("never lets readers see an event before one of an earlier transaction that commits later", async function () {
      const store = await createPostgresEventStore(database.db);
      cleanups.push(() => store.close());
      const subscriber = firstEvents(store, 2);
      cleanups.push(() => subscriber.stop());

      const { event: slowEvent, commit } = await startSlowWrite();

      const fastEvent = event();
      await store.append("fast-1", [fastEvent], "no_stream");
      expect(await store.readAll({ limit: 10 })).to.deep.equal([]);
      expect(await store.headPosition()).to.deep.equal(START);

      await commit();
      const expected = [slowEvent.id, fastEvent.id];
      expect((await subscriber.events).map((e) => e.id)).to.deep.equal(expected);
      expect((await store.readAll()).map((e) => e.id)).to.deep.equal(expected);
    });

    it("reads the whole log and its head with every event committed before the call, waiting for writes still open", async function () {
      const store = await createPostgresEventStore(database.db);
      cleanups.push(() => store.close());
      const { event: slowEvent, commit } = await startSlowWrite();
      const fastEvent = event();
      await store.append("fast-1", [fastEvent], "no_stream");

      // The fast event committed before these reads; they wait for the older transaction to end instead of
      // answering without it.
      const reading = store.readAll();
      const head = store.headPosition();
      await new Promise((resolve) => setTimeout(resolve, 50));
      await commit();
      const events = await reading;
      expect(events.map((e) => e.id)).to.deep.equal([slowEvent.id, fastEvent.id]);
      expect(await head).to.deep.equal(events[1].position);
    });

    it("reads again when the transaction that hid events from a read ends before the subscriber goes to sleep", async function () {
      // Issue 12: a probe sent after an empty read asked whether rows waited behind an open transaction. When
      // that transaction ended between the read and the probe, the answer was no, and the subscriber slept
      // until its poll (1 s by default) with events readable: writes waiting for read models saw it.
      this.timeout(20_000);
      const holder = new pg.Client({ connectionString: database.url });
      await holder.connect();
      cleanups.push(() => holder.end());
      let endHolderAfterRead = false;
      let reads = 0;
      // The subscriber's database: real, with the holding transaction ended as soon as a read is answered.
      const db = new Proxy(database.db, {
        get(target, property, receiver) {
          if (property !== "query") return Reflect.get(target, property, receiver);
          return async (sql: string, params?: unknown[]) => {
            const result = await target.query(sql, params);
            if (sql === READ_AFTER) {
              reads++;
              if (endHolderAfterRead) {
                endHolderAfterRead = false;
                await holder.query("commit");
              }
            }
            return result;
          };
        },
      });
      const store = await createPostgresEventStore(db, { pollIntervalMs: 600_000 });
      cleanups.push(() => store.close());
      const subscriber = firstEvents(store, 2);
      cleanups.push(() => subscriber.stop());
      while (reads === 0) await new Promise((resolve) => setTimeout(resolve, 5)); // asleep on an empty log

      // An open transaction with an id: every event appended after it is hidden from readers until it ends.
      await holder.query("begin");
      await holder.query("select pg_current_xact_id()");
      const otherProcessDb = openPostgres({ connectionString: database.url! });
      cleanups.push(() => otherProcessDb.close());
      const otherProcess = await createPostgresEventStore(otherProcessDb);
      cleanups.push(() => otherProcess.close());
      const fromElsewhere = event();
      await otherProcess.append("elsewhere-1", [fromElsewhere], "no_stream"); // rings nobody here
      endHolderAfterRead = true;
      const own = event();
      await store.append("here-1", [own], "no_stream"); // rings the subscriber: its read finds both hidden

      const delivered = await Promise.race([subscriber.events,
        new Promise<undefined>((resolve) => setTimeout(resolve, 10_000))]);
      expect(delivered?.map((e) => e.id)).to.deep.equal([fromElsewhere.id, own.id]);
    });

    it("finds events held back after a page of fewer events than asked for, in the same snapshot", async function () {
      // The subscriber's wait after such a page is short only if the read says events wait behind it.
      const store = await createPostgresEventStore(database.db);
      cleanups.push(() => store.close());
      const visible = event();
      await store.append("thing-1", [visible], "no_stream");
      const holder = new pg.Client({ connectionString: database.url });
      await holder.connect();
      cleanups.push(() => holder.end());
      await holder.query("begin");
      await holder.query("select pg_current_xact_id()");
      const hidden = event();
      await store.append("thing-2", [hidden], "no_stream"); // committed, behind the holder's open transaction
      const readAfterStart = () => database.db.query<{ id: string | null; held_back: boolean }>(READ_AFTER, ["0", "0", "500"]);
      let rows = (await readAfterStart()).rows;
      expect(rows.map((row) => row.id)).to.deep.equal([visible.id]);
      expect(rows[0].held_back).to.equal(true);
      await holder.query("commit");
      rows = (await readAfterStart()).rows;
      expect(rows.map((row) => row.id)).to.deep.equal([visible.id, hidden.id]);
      expect(rows[0].held_back).to.equal(false);
    });

    it("reads the events after a position, and finds those held back, with probes of the primary key, not scans", async function () {
      const store = await createPostgresEventStore(database.db);
      cleanups.push(() => store.close());
      await store.append("thing-1", Array.from({ length: 50 }, event), "no_stream");
      const [first] = await store.readAll({ limit: 1 });
      const params = [first.position.commit.toString(), first.position.prepare.toString(), "500"];
      const { rows } = await database.db.query<{ "QUERY PLAN": unknown }>(`explain (format json) ${READ_AFTER}`, params);
      const plan = JSON.stringify(rows[0]["QUERY PLAN"]);
      expect(plan).to.include("eventstore_events_pkey");
      expect(plan).not.to.include("Seq Scan");
    });
  });
}
