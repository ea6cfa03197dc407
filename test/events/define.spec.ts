import { expect } from "chai";
import { z } from "zod";
import { defineEvent, eventReader, UnknownEventType } from "../../events/define.js";
import type { RecordedEvent } from "../../src/eventstore/port.js";

const Renamed = defineEvent("Renamed", z.object({ name: z.string().min(1) }), {
  // Version 1 called the field "title".
  upcast: (data) => ("title" in data ? { name: data.title } : data),
});
const Archived = defineEvent("Archived", z.object({ at: z.iso.datetime() }));
const read = eventReader([Renamed, Archived]);

const recorded = (type: string, data: Record<string, unknown>): RecordedEvent => ({
  id: "00000000-0000-4000-8000-000000000000", stream: "thing-1", revision: 0n, position: { commit: 1n, prepare: 1n },
  type, data, metadata: {}, recordedAt: new Date(),
});

describe("event catalogue definitions", () => {
  it("builds events with validated data", () => {
    expect(Renamed.of({ name: "a" })).to.deep.equal({ type: "Renamed", data: { name: "a" } });
    expect(() => Renamed.of({ name: "" })).to.throw();
  });

  it("reads events back, upcasting data written by older versions", () => {
    expect(read(recorded("Renamed", { title: "old" }))).to.deep.equal({ type: "Renamed", data: { name: "old" } });
    expect(read(recorded("Archived", { at: "2026-01-01T00:00:00Z" }))).to.deep.equal(
      { type: "Archived", data: { at: "2026-01-01T00:00:00Z" } });
  });

  it("refuses types it does not know", () => {
    expect(() => read(recorded("Exploded", {}))).to.throw(UnknownEventType);
  });
});
