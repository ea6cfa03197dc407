/** A read model for runner tests: one row per event, counting how often it was applied (must stay 1). */
import { z } from "zod";
import { defineEvent } from "../../events/define.js";
import type { RecordedEvent } from "../../events/recorded.js";
import { on, projection } from "../../projections/projection.js";
import type { Queryable } from "../../projections/queryable.js";

const tallied = z.object({ label: z.string().optional() });
export const Counted = defineEvent("Counted", tallied);
/** A counted event that a test's handler treats as poison. */
export const Boom = defineEvent("Boom", tallied);

export function tallyProjection(options: { version?: number; onEach?: (event: RecordedEvent) => void } = {}) {
  const count = async (event: RecordedEvent & { data: z.output<typeof tallied> }, tx: Queryable) => {
    options.onEach?.(event);
    await tx.query(
      `insert into tally (event_id, stream, label, applied) values ($1, $2, $3, 1)
       on conflict (event_id) do update set applied = tally.applied + 1`,
      [event.id, event.stream, event.data.label ?? ""],
    );
  };
  return projection({
    name: "tally",
    version: options.version ?? 1,
    tables: ["tally"],
    schema: `create table tally (event_id uuid primary key, stream text not null, label text not null,
             applied int not null)`,
    handlers: [on(Counted, count), on(Boom, count)],
  });
}
