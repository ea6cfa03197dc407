import { expect } from "chai";
import { randomUUID } from "node:crypto";
import { defineAggregate } from "../../commands/aggregate.js";
import type { Decider } from "../../commands/decider.js";
import { CommandBus } from "../../src/app/command-bus.js";
import type { EventStore, RecordedEvent } from "../../src/eventstore/port.js";
import { createPostgresEventStore } from "../../src/eventstore/postgres.js";
import { primaryDatabaseKind, type TestDatabase } from "../support/databases.js";
import { specFor } from "../support/decider.js";

// A ticket roll with a fixed number of tickets: the shape of max_access_count, nonces and quotas.
type TicketEvent = { type: "TicketTaken"; data: { holder: string; at: string } };
type TakeTicket = { holder: string };
class SoldOut extends Error {}
const TICKETS = 5;

const tickets: Decider<TakeTicket, { taken: number }, TicketEvent> = {
  initialState: { taken: 0 },
  evolve: (state) => ({ taken: state.taken + 1 }),
  decide(command, state, now) {
    if (state.taken >= TICKETS) throw new SoldOut();
    return [{ type: "TicketTaken", data: { holder: command.holder, at: now.toISOString() } }];
  },
};
const readTicketEvent = (e: RecordedEvent) => ({ type: e.type, data: e.data }) as TicketEvent;
const roll = defineAggregate("roll", tickets, readTicketEvent);

// A gate that refuses entry while closed, and closes only when open (closing a closed gate records nothing):
// decisions that a fold behind the stream would get wrong without appending.
type GateEvent = { type: "Opened" | "Closed" | "Entered"; data: Record<string, never> };
type GateCommand = { type: "Open" | "Close" | "Enter" };
class GateClosed extends Error {}
const gate: Decider<GateCommand, { open: boolean }, GateEvent> = {
  initialState: { open: true },
  evolve: (state, event) => (event.type === "Entered" ? state : { open: event.type === "Opened" }),
  decide(command, state) {
    if (command.type === "Enter") {
      if (!state.open) throw new GateClosed();
      return [{ type: "Entered", data: {} }];
    }
    if ((command.type === "Open") === state.open) return [];
    return [{ type: command.type === "Open" ? "Opened" : "Closed", data: {} }];
  },
};
const gates = defineAggregate("gate", gate, (e: RecordedEvent) => ({ type: e.type, data: e.data }) as GateEvent);

describe("decider specs", () => {
  const spec = specFor(tickets);
  const taken = (holder: string): TicketEvent => ({ type: "TicketTaken", data: { holder, at: "2026-01-01T00:00:00.000Z" } });

  it("hands out a ticket while some are left", () =>
    spec.given(taken("a")).when({ holder: "b" }).then(taken("b")));

  it("refuses once all are taken", () =>
    spec.given(taken("a"), taken("b"), taken("c"), taken("d"), taken("e")).when({ holder: "f" }).thenThrows(SoldOut));
});

describe(`command bus (${primaryDatabaseKind().name})`, () => {
  let t: TestDatabase;
  let store: EventStore;

  beforeEach(async () => {
    t = await primaryDatabaseKind().create();
    store = await createPostgresEventStore(t.db, { notificationsUrl: t.url });
  });

  afterEach(async () => {
    await store.close();
    await t.dispose();
  });

  /** The real store, with each of its stream reads noted: where it started and how many events it found. */
  const countingReads = (reads: Array<{ from: bigint; events: number }>): EventStore => Object.assign(Object.create(store), {
    readStream: async (stream: string, from = 0n) => {
      const events = await store.readStream(stream, from);
      reads.push({ from, events: events.length });
      return events;
    },
  });

  it("stamps metadata and the decision time on appended events", async () => {
    const bus = new CommandBus({ store, clock: () => new Date("2026-05-05T10:00:00Z") });
    const id = randomUUID();
    const stream = roll.stream(id);
    const result = await bus.handle(roll, id, { holder: "a" },
      { metadata: { actor: { type: "user", id: "u1" }, request_id: "r1" } });
    expect(result.position).to.exist;
    const [event] = await store.readStream(stream);
    expect(event.data).to.deep.equal({ holder: "a", at: "2026-05-05T10:00:00.000Z" });
    expect(event.metadata).to.deep.include({ actor: { type: "user", id: "u1" }, request_id: "r1",
      occurred_at: "2026-05-05T10:00:00.000Z" });
  });

  it("is exact under concurrency: of 30 parallel takers, exactly 5 get a ticket", async () => {
    const bus = new CommandBus({ store });
    const id = randomUUID();
    const stream = roll.stream(id);
    const outcomes = await Promise.allSettled(Array.from({ length: 30 }, (_, i) =>
      bus.handle(roll, id, { holder: `h${i}` }, { metadata: {} })));
    expect(outcomes.filter((o) => o.status === "fulfilled")).to.have.length(TICKETS);
    const refusals = outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected");
    expect(refusals.every((o) => o.reason instanceof SoldOut)).to.equal(true);
    expect(await store.readStream(stream)).to.have.length(TICKETS);
  });

  it("reads once, returns the new state, and builds the command again from the newer state after a lost race", async () => {
    const bus = new CommandBus({ store });
    const id = randomUUID();
    let reads = 0;
    const counting: EventStore = Object.assign(Object.create(store), {
      readStream: (stream: string) => { reads++; return store.readStream(stream); },
    });
    const countingBus = new CommandBus({ store: counting });
    const seen: number[] = [];
    const result = await countingBus.handle(roll, id, async (state) => {
      seen.push(state.taken);
      // Someone else takes a ticket between our read and our append, once: the append conflicts.
      if (seen.length === 1) await bus.handle(roll, id, { holder: "rival" }, { metadata: {} });
      return { holder: `after ${state.taken}` };
    }, { metadata: {} });
    expect(seen).to.deep.equal([0, 1]);
    expect(reads).to.equal(2);
    expect(result.state).to.deep.equal({ taken: 2 });
    expect(result.events.map((e) => e.data.holder)).to.deep.equal(["after 1"]);
    expect((await store.readStream(roll.stream(id))).map((e) => e.data.holder)).to.deep.equal(["rival", "after 1"]);
  });

  it("reads only what it has not folded yet, trusts what it appended, and reads on when another writer appended", async () => {
    const id = randomUUID();
    const reads: Array<{ from: bigint; events: number }> = [];
    const bus = new CommandBus({ store: countingReads(reads) });
    const other = new CommandBus({ store });
    for (const holder of ["a", "b"]) await bus.handle(roll, id, { holder }, { metadata: {} });
    await other.handle(roll, id, { holder: "elsewhere" }, { metadata: {} });
    const result = await bus.handle(roll, id, { holder: "c" }, { metadata: {} });
    expect(result.state).to.deep.equal({ taken: 4 });
    // An empty stream once; b's command trusts the fold a's append left; c's append conflicts with the other
    // writer's event, which is then the only one read.
    expect(reads).to.deep.equal([{ from: 0n, events: 0 }, { from: 2n, events: 1 }]);
    expect((await store.readStream(roll.stream(id))).map((e) => e.data.holder)).to.deep.equal(["a", "b", "elsewhere", "c"]);
  });

  it("takes a refusal or an empty decision again on the stream as read before it stands", async () => {
    const id = randomUUID();
    const reads: Array<{ from: bigint; events: number }> = [];
    const bus = new CommandBus({ store: countingReads(reads) });
    const other = new CommandBus({ store });
    await bus.handle(gates, id, { type: "Close" }, { metadata: {} });
    await other.handle(gates, id, { type: "Open" }, { metadata: {} });
    // The kept fold says closed: entry would be refused, but the stream says open.
    const entered = await bus.handle(gates, id, { type: "Enter" }, { metadata: {} });
    expect(entered.events.map((e) => e.type)).to.deep.equal(["Entered"]);
    // The kept fold (open, after the entry) is the stream: closing appends without a read.
    await bus.handle(gates, id, { type: "Close" }, { metadata: {} });
    await other.handle(gates, id, { type: "Open" }, { metadata: {} });
    // Kept: closed, so closing again would record nothing; the stream says open, so it closes.
    const closed = await bus.handle(gates, id, { type: "Close" }, { metadata: {} });
    expect(closed.events.map((e) => e.type)).to.deep.equal(["Closed"]);
    // A refusal that the stream as read confirms stands.
    const refusal = await bus.handle(gates, id, { type: "Enter" }, { metadata: {} }).then(() => undefined, (error) => error);
    expect(refusal).to.be.instanceOf(GateClosed);
    expect((await store.readStream(gates.stream(id))).map((e) => e.type)).to.deep.equal(
      ["Closed", "Opened", "Entered", "Closed", "Opened", "Closed"]);
    expect(reads).to.deep.equal([{ from: 0n, events: 0 }, { from: 1n, events: 1 }, { from: 4n, events: 1 }, { from: 6n, events: 0 }]);
  });

  it("records concurrent facts together: fewer transactions than facts, every fact stored once", async () => {
    let calls = 0;
    // The real store, with its appendFacts calls counted.
    const counting: EventStore = Object.assign(Object.create(store), {
      appendFacts: (appends: Parameters<EventStore["appendFacts"]>[0]) => {
        calls++;
        return store.appendFacts(appends);
      },
    });
    const bus = new CommandBus({ store: counting });
    const streams = Array.from({ length: 40 }, () => `seen-${randomUUID()}`);
    const results = await Promise.all(streams.map((stream) =>
      bus.record(stream, [{ type: "Seen", data: { stream } }], { metadata: { request_id: stream } })));
    expect(results.every((r) => r.position)).to.equal(true);
    expect(calls).to.be.greaterThan(0).and.lessThan(streams.length);
    for (const stream of streams) {
      const [event] = await store.readStream(stream);
      expect(event.data).to.deep.equal({ stream });
      expect(event.metadata.request_id).to.equal(stream);
    }
  });
});
