import { expect } from "chai";
import { randomUUID } from "node:crypto";
import { defineAggregate } from "../../commands/aggregate.js";
import type { RecordedEvent } from "../../events/recorded.js";
import { loadAggregate } from "../../src/app/aggregates.js";

/** An aggregate that counts its events, and counts how often an event was read back (folded). */
function countingAggregate() {
  const reads = { count: 0 };
  const aggregate = defineAggregate("counting", {
    initialState: { events: 0 },
    decide: () => [],
    evolve: (state: { events: number }) => ({ events: state.events + 1 }),
  }, (recorded: RecordedEvent) => {
    reads.count++;
    return { type: recorded.type, data: recorded.data };
  });
  return { aggregate, reads };
}

const history = (n: number): RecordedEvent[] => Array.from({ length: n }, (_, i) => ({
  id: randomUUID(), stream: "counting-x", revision: BigInt(i), position: { commit: BigInt(i), prepare: BigInt(i) },
  type: "Counted", data: {}, metadata: {}, recordedAt: new Date(0),
}));

describe("loadAggregate", () => {
  it("folds a frozen history (the stream cache's) once, and answers the same state after", async () => {
    const { aggregate, reads } = countingAggregate();
    const frozen = Object.freeze(history(3)) as RecordedEvent[];
    const cache = { readStream: async () => frozen };
    const first = await loadAggregate(cache, aggregate, "x");
    const second = await loadAggregate(cache, aggregate, "x");
    expect(first).to.deep.equal({ events: 3 });
    expect(second).to.equal(first);
    expect(reads.count).to.equal(3);
  });

  it("folds a history read from the store every time (a fresh array may be the same stream, longer)", async () => {
    const { aggregate, reads } = countingAggregate();
    let length = 2;
    const store = { readStream: async () => history(length) };
    expect(await loadAggregate(store, aggregate, "x")).to.deep.equal({ events: 2 });
    length = 3;
    expect(await loadAggregate(store, aggregate, "x")).to.deep.equal({ events: 3 });
    expect(reads.count).to.equal(5);
  });
});
