/** What `projection` and `on` promise every read model: typed, upcast data, one handler per fact. */
import { expect } from "chai";
import { z } from "zod";
import { defineEvent } from "../../events/define.js";
import type { RecordedEvent } from "../../events/recorded.js";
import { on, projection } from "../../projections/projection.js";
import type { Queryable } from "../../projections/queryable.js";

// Version 1 wrote `title`; the current shape calls it `name`.
const Renamed = defineEvent("Renamed", z.object({ name: z.string() }), {
  upcast: (data) => ("title" in data ? { name: data.title } : data),
});
const Other = defineEvent("Other", z.object({}));

const recorded = (type: string, data: Record<string, unknown>): RecordedEvent => ({
  id: "e", stream: "thing-1", revision: 0n, position: { commit: 1n, prepare: 1n }, type, data, metadata: {},
  recordedAt: new Date("2026-01-01T00:00:00Z"),
});
const noDatabase = {} as Queryable;

describe("projection handlers", () => {
  it("hand their handler the event's data upcast to the current shape", async () => {
    const seen: string[] = [];
    const names = projection({ name: "names", version: 1, tables: ["names"], schema: "",
      handlers: [on(Renamed, async ({ data }) => { seen.push(data.name); })] });
    await names.apply(recorded("Renamed", { title: "old shape" }), noDatabase);
    await names.apply(recorded("Renamed", { name: "new shape" }), noDatabase);
    expect(seen).to.deep.equal(["old shape", "new shape"]);
  });

  it("refuse data their definition does not accept", async () => {
    const names = projection({ name: "names", version: 1, tables: ["names"], schema: "",
      handlers: [on(Renamed, async () => {})] });
    const error = await names.apply(recorded("Renamed", { name: 42 }), noDatabase).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(z.ZodError);
  });

  it("handle only their facts, and pass over others", async () => {
    const names = projection({ name: "names", version: 1, tables: ["names"], schema: "",
      handlers: [on(Renamed, async () => { throw new Error("not this one"); })] });
    expect(names.handles("Renamed")).to.equal(true);
    expect(names.handles("Other")).to.equal(false);
    await names.apply(recorded("Other", {}), noDatabase);
  });

  it("refuse two handlers for one fact", () => {
    expect(() => projection({ name: "names", version: 1, tables: ["names"], schema: "",
      handlers: [on(Other, async () => {}), on(Other, async () => {})] })).to.throw(/two handlers for Other/);
  });

  it("apply everyEvent to every fact before its own handler, and never to system events", async () => {
    const seen: string[] = [];
    const log = projection({ name: "log", version: 1, tables: ["log"], schema: "",
      everyEvent: async (event) => { seen.push(`every:${event.type}`); },
      handlers: [on(Other, async () => { seen.push("own:Other"); })] });
    for (const type of ["Other", "Unlisted", "$metadata"]) await log.apply(recorded(type, {}), noDatabase);
    expect(seen).to.deep.equal(["every:Other", "own:Other", "every:Unlisted"]);
    expect(log.handles("Unlisted")).to.equal(true);
    expect(log.handles("$metadata")).to.equal(false);
  });
});
