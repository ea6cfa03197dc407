/**
 * The in-process cache of streams read by checks that decide nothing (src/eventstore/stream-cache.ts), on a
 * real store: what it serves from memory, and each way an entry stops being served (this process's command
 * bus appended to the stream, the entry outlived the staleness bound), and that decisions never see it.
 */
import { expect } from "chai";
import { defineAggregate } from "../../commands/aggregate.js";
import { CommandBus } from "../../src/app/command-bus.js";
import { createPostgresEventStore } from "../../src/eventstore/postgres.js";
import type { EventStore } from "../../src/eventstore/port.js";
import { StreamCache } from "../../src/eventstore/stream-cache.js";
import { freshPglite, type TestDatabase } from "../support/databases.js";

describe("stream cache for reads that decide nothing", () => {
  let database: TestDatabase;
  let store: EventStore;
  let clock: number;
  let cache: StreamCache;

  const STREAM = "secret-s1";
  const types = async () => (await cache.readStream(STREAM)).map((event) => event.type);
  /** An append by another process: straight to the store, no bus of this process told. */
  const appendElsewhere = (type: string) =>
    store.append(STREAM, [{ id: crypto.randomUUID(), type, data: {}, metadata: {} }], "any");

  beforeEach(async () => {
    database = await freshPglite();
    store = await createPostgresEventStore(database.db);
    clock = 0;
    cache = new StreamCache({ store, maxAgeMs: 1000, now: () => clock });
    await appendElsewhere("First");
  });
  afterEach(async () => {
    await store.close();
    await database.dispose();
  });

  it("answers a repeated read from memory, with a frozen list", async () => {
    expect(await types()).to.deep.equal(["First"]);
    await appendElsewhere("Second");
    expect(await types()).to.deep.equal(["First"]);
    expect(Object.isFrozen(await cache.readStream(STREAM))).to.equal(true);
  });

  it("serves no stream older than its bound: an append made elsewhere is seen after maxAgeMs at the latest", async () => {
    expect(await types()).to.deep.equal(["First"]);
    await appendElsewhere("Second");
    clock = 999;
    expect(await types()).to.deep.equal(["First"]);
    clock = 1000;
    expect(await types()).to.deep.equal(["First", "Second"]);
  });

  it("drops a stream as soon as this process's command bus has appended to it, decided or recorded", async () => {
    const bus = new CommandBus({ store, onAppended: (stream) => cache.streamAppended(stream) });
    const counter = defineAggregate("secret", {
      initialState: 0,
      evolve: (count: number) => count + 1,
      decide: (_: "add", count: number) => [{ type: "Decided", data: { seen: count } }],
    }, (recorded) => ({ type: recorded.type, data: recorded.data }));
    expect(await types()).to.deep.equal(["First"]);
    await appendElsewhere("Second");
    // The decision folds the store's stream, not the cache's: it saw both events.
    const decided = await bus.handle(counter, "s1", "add", { metadata: {} });
    expect(decided.events[0].data).to.deep.equal({ seen: 2 });
    expect(await types()).to.deep.equal(["First", "Second", "Decided"]);
    await bus.record(STREAM, [{ type: "Recorded", data: {} }], { metadata: {} });
    expect(await types()).to.deep.equal(["First", "Second", "Decided", "Recorded"]);
  });

  it("does not keep a read that was in flight when its stream was appended to", async () => {
    const inFlight = types();
    cache.streamAppended(STREAM);
    await appendElsewhere("Second");
    await inFlight;
    expect(await types()).to.deep.equal(["First", "Second"]);
  });
});
