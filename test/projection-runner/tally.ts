/** A read model for runner tests: one row per event, counting how often it was applied (must stay 1). */
import { projection } from "../../projections/projection.js";
import type { RecordedEvent } from "../../src/eventstore/port.js";
import type { Queryable } from "../../src/db/database.js";

export function tallyProjection(options: { version?: number; onEach?: (event: RecordedEvent) => void } = {}) {
  const count = async (event: RecordedEvent, tx: Queryable) => {
    options.onEach?.(event);
    await tx.query(
      `insert into tally (event_id, stream, label, applied) values ($1, $2, $3, 1)
       on conflict (event_id) do update set applied = tally.applied + 1`,
      [event.id, event.stream, String(event.data.label ?? "")],
    );
  };
  return projection({
    name: "tally",
    version: options.version ?? 1,
    tables: ["tally"],
    schema: `create table tally (event_id uuid primary key, stream text not null, label text not null,
             applied int not null)`,
    on: { Counted: count, Boom: count },
  });
}
