/**
 * What every EventStore adapter must do. Each test works in streams of its own and reads $all only after
 * the head it found at its start, so the suite also runs against a shared, non-empty EventStoreDB.
 */
import { randomUUID } from "node:crypto";
import { expect } from "chai";
import {
  WrongExpectedRevision,
  comparePositions,
  streamName,
  type EventStore,
  type EventToAppend,
  type ExpectedRevision,
  type Position,
  type RecordedEvent,
} from "../../src/eventstore/port.js";

export interface StoreUnderTest {
  store: EventStore;
  dispose(): Promise<void>;
}

function event(type = "ThingHappened", data: Record<string, unknown> = {}): EventToAppend {
  return { id: randomUUID(), type, data, metadata: { correlation_id: randomUUID() } };
}

function newStream(): string {
  return streamName("contract", randomUUID());
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

/** Events after `head` that belong to `streams`, as $all has them. */
async function readAllOf(store: EventStore, head: Position, streams: Set<string>): Promise<RecordedEvent[]> {
  const events = await store.readAll({ after: head });
  return events.filter((e) => streams.has(e.stream));
}

/**
 * Resolves once readers can see `target`. On PostgreSQL an append becomes readable only when every older
 * transaction on the server has ended (other databases' included), so a read right after it may lag.
 */
function readable(store: EventStore, after: Position, target: Position): Promise<void> {
  return new Promise((resolve, reject) => {
    const subscription = store.subscribeToAll({
      after,
      async onEvents(events) {
        if (comparePositions(events[events.length - 1].position, target) >= 0) {
          void subscription.stop().then(resolve, reject);
        }
      },
      onError: reject,
    });
  });
}

function expectStrictlyIncreasing(events: RecordedEvent[]): void {
  for (let i = 1; i < events.length; i++) {
    expect(comparePositions(events[i - 1].position, events[i].position), `position ${i}`).to.equal(-1);
  }
}

/**
 * A subscriber that keeps what it sees of some streams. `until(count)` resolves once it has seen that
 * many, and rejects if the subscription reports an error first.
 */
function collector(streams: Set<string>) {
  const seen: RecordedEvent[] = [];
  const waiting: Array<{ count: number; resolve: () => void; reject: (error: unknown) => void }> = [];
  let failure: unknown;
  return {
    seen,
    onEvents: async (events: RecordedEvent[]) => {
      seen.push(...events.filter((e) => streams.has(e.stream)));
      for (const w of waiting.filter((w) => seen.length >= w.count)) w.resolve();
    },
    onError: (error: unknown) => {
      failure = error;
      for (const w of waiting) w.reject(error);
    },
    until(count: number): Promise<void> {
      if (failure !== undefined) return Promise.reject(failure);
      if (seen.length >= count) return Promise.resolve();
      return new Promise((resolve, reject) => waiting.push({ count, resolve, reject }));
    },
  };
}

export function eventStoreContract(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`EventStore contract: ${name}`, function () {
    let subject: StoreUnderTest;
    let store: EventStore;

    beforeEach(async function () {
      subject = await open();
      store = subject.store;
    });

    afterEach(async function () {
      await subject.dispose();
    });

    describe("append and readStream", function () {
      it("appends to a new stream and reads back every field", async function () {
        const stream = newStream();
        const metadata = {
          actor: { type: "user", id: randomUUID() },
          org_id: randomUUID(),
          request_id: "req-1",
          client_ip: "203.0.113.7",
          user_agent: "contract/1.0",
          correlation_id: randomUUID(),
          causation_id: randomUUID(),
          occurred_at: "2025-01-02T03:04:05.000Z",
          nested: { list: [1, "two", null], flag: true },
        };
        const appended: EventToAppend = {
          id: randomUUID(),
          type: "VaultCreated",
          data: { name: "ops", tags: ["a", "b"], limits: { reads: 3 } },
          metadata,
        };
        const result = await store.append(stream, [appended], "no_stream");
        expect(result.nextRevision).to.equal(0n);

        const [read] = await store.readStream(stream);
        expect(read.id).to.equal(appended.id);
        expect(read.stream).to.equal(stream);
        expect(read.revision).to.equal(0n);
        expect(read.type).to.equal("VaultCreated");
        expect(read.data).to.deep.equal(appended.data);
        expect(read.metadata).to.deep.equal(metadata);
        expect(read.recordedAt).to.be.instanceOf(Date);
        expect(Number.isNaN(read.recordedAt.getTime())).to.equal(false);
        expect(comparePositions(read.position, result.position)).to.equal(0);
      });

      it("numbers a batch's events consecutively and returns the last one's revision", async function () {
        const stream = newStream();
        await store.append(stream, [event()], "no_stream");
        const result = await store.append(stream, [event(), event(), event()], 0n);
        expect(result.nextRevision).to.equal(3n);
        const events = await store.readStream(stream);
        expect(events.map((e) => e.revision)).to.deep.equal([0n, 1n, 2n, 3n]);
        expect(comparePositions(events[3].position, result.position)).to.equal(0);
      });

      it("reads a stream from a revision, and an absent stream as empty", async function () {
        const stream = newStream();
        const appended = [event(), event(), event(), event()];
        await store.append(stream, appended, "no_stream");
        const fromTwo = await store.readStream(stream, 2n);
        expect(fromTwo.map((e) => e.id)).to.deep.equal([appended[2].id, appended[3].id]);
        expect(await store.readStream(stream, 4n)).to.deep.equal([]);
        expect(await store.readStream(newStream())).to.deep.equal([]);
      });
    });

    describe("expected revision", function () {
      const accepted: Array<[string, ExpectedRevision, boolean]> = [
        ["any, on an absent stream", "any", false],
        ["any, on an existing stream", "any", true],
        ["no_stream, on an absent stream", "no_stream", false],
        ["stream_exists, on an existing stream", "stream_exists", true],
        ["the exact revision", 1n, true],
      ];
      for (const [title, expected, existing] of accepted) {
        it(`accepts ${title}`, async function () {
          const stream = newStream();
          if (existing) await store.append(stream, [event(), event()], "no_stream");
          const result = await store.append(stream, [event()], expected);
          expect(result.nextRevision).to.equal(existing ? 2n : 0n);
        });
      }

      const refused: Array<[string, ExpectedRevision, boolean, bigint | "no_stream"]> = [
        ["no_stream, on an existing stream", "no_stream", true, 1n],
        ["stream_exists, on an absent stream", "stream_exists", false, "no_stream"],
        ["a revision, on an absent stream", 0n, false, "no_stream"],
        ["an older revision", 0n, true, 1n],
        ["a newer revision", 5n, true, 1n],
      ];
      for (const [title, expected, existing, actual] of refused) {
        it(`refuses ${title} with WrongExpectedRevision`, async function () {
          const stream = newStream();
          if (existing) await store.append(stream, [event(), event()], "no_stream");
          const error = await rejection(store.append(stream, [event()], expected));
          expect(error).to.be.instanceOf(WrongExpectedRevision);
          const wrong = error as WrongExpectedRevision;
          expect(wrong.stream).to.equal(stream);
          expect(wrong.expected).to.equal(expected);
          expect(wrong.actual).to.equal(actual);
          expect(await store.readStream(stream)).to.have.length(existing ? 2 : 0);
        });
      }
    });

    it("treats a re-append of the same event ids as the original append", async function () {
      const stream = newStream();
      const batch = [event(), event()];
      const first = await store.append(stream, batch, "no_stream");
      const again = await store.append(stream, batch, "no_stream");
      expect(again.nextRevision).to.equal(first.nextRevision);
      expect((await store.readStream(stream)).map((e) => e.id)).to.deep.equal(batch.map((e) => e.id));
    });

    describe("appendFacts", function () {
      it("appends to several streams at once, answering each append's result in the order given", async function () {
        const [a, b] = [newStream(), newStream()];
        await store.append(b, [event()], "no_stream");
        const facts = [{ stream: a, events: [event("Noted")] }, { stream: b, events: [event("Noted"), event("Noted")] }];
        const results = await store.appendFacts(facts);
        expect(results.map((r) => r.nextRevision)).to.deep.equal([0n, 2n]);
        expect((await store.readStream(a)).map((e) => e.id)).to.deep.equal(facts[0].events.map((e) => e.id));
        expect((await store.readStream(b)).slice(1).map((e) => e.id)).to.deep.equal(facts[1].events.map((e) => e.id));
        const recorded = [...await store.readStream(a), ...await store.readStream(b)];
        for (const [i, result] of results.entries()) {
          const last = recorded.filter((e) => e.stream === facts[i].stream).at(-1)!;
          expect(comparePositions(last.position, result.position), `position of append ${i}`).to.equal(0);
        }
      });

      it("is idempotent per event id, like append", async function () {
        const stream = newStream();
        const facts = [{ stream, events: [event("Noted")] }];
        const [first] = await store.appendFacts(facts);
        const [again] = await store.appendFacts(facts);
        expect(again.nextRevision).to.equal(first.nextRevision);
        expect(await store.readStream(stream)).to.have.length(1);
      });

      it("numbers several facts of one stream in the order given, beside a fact appended before", async function () {
        const stream = newStream();
        const earlier = { stream, events: [event("Noted")] };
        const [before] = await store.appendFacts([earlier]);
        const facts = [{ stream, events: [event("Noted")] }, earlier, { stream, events: [event("Noted"), event("Noted")] }];
        const results = await store.appendFacts(facts);
        expect(results.map((r) => r.nextRevision)).to.deep.equal([1n, 0n, 3n]);
        expect(comparePositions(results[1].position, before.position)).to.equal(0);
        expect((await store.readStream(stream)).map((e) => e.id)).to.deep.equal(
          [earlier, facts[0], facts[2]].flatMap((fact) => fact.events.map((e) => e.id)));
      });

      it("never deadlocks when concurrent batches touch the same streams in opposite orders", async function () {
        const streams = [newStream(), newStream(), newStream()];
        const batches = Array.from({ length: 12 }, (_, i) =>
          (i % 2 ? [...streams].reverse() : streams).map((stream) => ({ stream, events: [event("Noted")] })));
        await Promise.all(batches.map((batch) => store.appendFacts(batch)));
        for (const stream of streams) expect(await store.readStream(stream)).to.have.length(12);
      });
    });

    describe("readAll and headPosition", function () {
      it("reads all streams in append order, after a position and up to a limit", async function () {
        const head = await store.headPosition();
        const [a, b, c] = [newStream(), newStream(), newStream()];
        const order: string[] = [];
        let last = head;
        for (const stream of [a, b, a, c, b, a]) {
          const e = event();
          last = (await store.append(stream, [e], "any")).position;
          order.push(e.id);
        }
        await readable(store, head, last);
        const streams = new Set([a, b, c]);
        const all = await readAllOf(store, head, streams);
        expect(all.map((e) => e.id)).to.deep.equal(order);
        expectStrictlyIncreasing(all);

        const firstTwo = await store.readAll({ after: head, limit: 2 });
        expect(firstTwo.map((e) => e.id)).to.deep.equal(order.slice(0, 2));
        const rest = await readAllOf(store, firstTwo[1].position, streams);
        expect(rest.map((e) => e.id)).to.deep.equal(order.slice(2));
      });

      it("gives the position of the newest event as the head", async function () {
        const before = await store.headPosition();
        const stream = newStream();
        await store.append(stream, [event()], "no_stream");
        const last = await store.append(stream, [event(), event()], 0n);
        await readable(store, before, last.position);
        const head = await store.headPosition();
        expect(comparePositions(head, before)).to.equal(1);
        expect(comparePositions(head, last.position)).to.equal(0);
        expect(await store.readAll({ after: head })).to.deep.equal([]);
      });
    });

    describe("subscribeToAll", function () {
      it("delivers the history after a position, then new events as they land", async function () {
        const head = await store.headPosition();
        const stream = newStream();
        const history = [event(), event(), event()];
        await store.append(stream, history, "no_stream");
        const seen = collector(new Set([stream]));
        const subscription = store.subscribeToAll({ after: head, onEvents: seen.onEvents, onError: seen.onError });
        try {
          await seen.until(3);
          const live = [event(), event()];
          await store.append(stream, [live[0]], 2n);
          await store.append(stream, [live[1]], 3n);
          await seen.until(5);
          expect(seen.seen.map((e) => e.id)).to.deep.equal([...history, ...live].map((e) => e.id));
        } finally {
          await subscription.stop();
        }
      });

      it("resolves stop() only once the running handler has finished", async function () {
        await store.append(newStream(), [event()], "no_stream");
        let release!: () => void;
        const released = new Promise<void>((resolve) => (release = resolve));
        let entered!: () => void;
        const handlerEntered = new Promise<void>((resolve) => (entered = resolve));
        let handlerDone = false;
        const subscription = store.subscribeToAll({
          async onEvents() {
            entered();
            await released;
            handlerDone = true;
          },
        });
        await handlerEntered;
        const stopped = subscription.stop().then(() => handlerDone);
        release();
        expect(await stopped).to.equal(true);
      });
    });

    it("keeps every event exactly once and in order under concurrent appenders", async function () {
      const head = await store.headPosition();
      const shared = newStream();
      const own = Array.from({ length: 4 }, () => newStream());
      const streams = new Set([shared, ...own]);
      const seen = collector(streams);
      const subscription = store.subscribeToAll({ after: head, onEvents: seen.onEvents, onError: seen.onError });
      const appendsEach = 25;

      // Decide-and-retry, as the command bus does: read the stream's revision, append, retry on conflict.
      async function appendToShared(): Promise<void> {
        for (let i = 0; i < appendsEach; i++) {
          for (;;) {
            const events = await store.readStream(shared);
            const expected = events.length === 0 ? "no_stream" : events[events.length - 1].revision;
            try {
              await store.append(shared, [event("SharedThing")], expected);
              break;
            } catch (error) {
              if (!(error instanceof WrongExpectedRevision)) throw error;
            }
          }
        }
      }
      async function appendToOwn(stream: string): Promise<void> {
        for (let i = 0; i < appendsEach; i++) {
          await store.append(stream, [event("OwnThing")], i === 0 ? "no_stream" : BigInt(i - 1));
        }
      }

      try {
        await Promise.all([
          ...Array.from({ length: 4 }, appendToShared),
          ...own.map(appendToOwn),
        ]);
        const total = 8 * appendsEach;
        await seen.until(total);
        const all = await readAllOf(store, head, streams);
        expect(all).to.have.length(total);
        expect(seen.seen.map((e) => e.id)).to.deep.equal(all.map((e) => e.id));
        expect(new Set(seen.seen.map((e) => e.id)).size).to.equal(total);
        expectStrictlyIncreasing(seen.seen);
        const sharedRevisions = (await store.readStream(shared)).map((e) => e.revision);
        expect(sharedRevisions).to.deep.equal(Array.from({ length: 4 * appendsEach }, (_, i) => BigInt(i)));
      } finally {
        await subscription.stop();
      }
    });
  });
}
