/**
 * The run of recent events a store answers subscribers from (src/eventstore/recent-events.ts): it answers
 * only inside a gapless run, grows with reads that start inside it, starts over on one that does not, and
 * keeps the newest events when it is full.
 */
import { expect } from "chai";
import { RecentEvents } from "../../src/eventstore/recent-events.js";
import { START, type Position, type RecordedEvent } from "../../src/eventstore/port.js";

const at = (n: number): Position => ({ commit: BigInt(n), prepare: BigInt(n) });
const event = (n: number): RecordedEvent => ({
  id: `e${n}`, stream: "s-1", revision: BigInt(n), position: at(n), type: "Noted", data: {}, metadata: {},
  recordedAt: new Date(0),
});
const events = (...ns: number[]) => ns.map(event);
const ids = (answer: RecordedEvent[] | undefined) => answer?.map((e) => e.id);

describe("recent events answering subscribers", () => {
  it("answers nothing before any read", () => {
    expect(new RecentEvents().after(START, 10)).to.equal(undefined);
  });

  it("answers the held events after a position inside the run, up to the limit", () => {
    const recent = new RecentEvents();
    recent.record(at(10), events(11, 12, 13, 14));
    expect(ids(recent.after(at(10), 10))).to.deep.equal(["e11", "e12", "e13", "e14"]);
    expect(ids(recent.after(at(12), 1))).to.deep.equal(["e13"]);
  });

  it("sends a position before the run, or at its end, to the log", () => {
    const recent = new RecentEvents();
    recent.record(at(10), events(11, 12));
    expect(recent.after(at(9), 10)).to.equal(undefined);
    expect(recent.after(at(12), 10)).to.equal(undefined);
  });

  it("grows with a read that starts inside the run, keeping each event once", () => {
    const recent = new RecentEvents();
    recent.record(at(10), events(11, 12));
    recent.record(at(11), events(12, 13, 14));
    expect(ids(recent.after(at(10), 10))).to.deep.equal(["e11", "e12", "e13", "e14"]);
  });

  it("starts over on a read that does not join the run, so it never answers across a gap", () => {
    const recent = new RecentEvents();
    recent.record(at(10), events(11, 12));
    recent.record(at(20), events(21, 22));
    expect(recent.after(at(10), 10)).to.equal(undefined);
    expect(ids(recent.after(at(20), 10))).to.deep.equal(["e21", "e22"]);
  });

  it("keeps the newest events when full, and answers only after the oldest it still holds", () => {
    const recent = new RecentEvents(3);
    recent.record(at(0), events(1, 2, 3, 4, 5));
    expect(recent.after(at(1), 10)).to.equal(undefined);
    expect(ids(recent.after(at(2), 10))).to.deep.equal(["e3", "e4", "e5"]);
  });
});
