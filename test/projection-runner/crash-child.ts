/**
 * Run as a separate process by crash.spec.ts: appends events, then projects them with a handler that
 * SIGKILLs this process in the middle of a batch. Prints one line per event handled before dying.
 */
import { randomUUID } from "node:crypto";
import { writeSync } from "node:fs";
import { openPglite } from "../../src/db/pglite.js";
import { openPostgres } from "../../src/db/postgres.js";
import { createPostgresEventStore } from "../../src/eventstore/postgres.js";
import { ProjectionRunner } from "../../src/projection-runner/runner.js";
import { tallyProjection } from "./tally.js";

const [target, eventCount, killAt] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const db = target.startsWith("postgres") ? openPostgres({ connectionString: target }) : await openPglite({ dataDir: target });
const store = await createPostgresEventStore(db);
for (let i = 0; i < eventCount; i++) {
  await store.append(`counter-${randomUUID()}`,
    [{ id: randomUUID(), type: i === killAt ? "Boom" : "Counted", data: { label: String(i) } }], "no_stream");
}
const projection = tallyProjection({
  onEach: (event) => {
    if (event.type === "Boom") process.kill(process.pid, "SIGKILL");
    writeSync(1, `handled ${event.data.label}\n`);
  },
});
await new ProjectionRunner({ db, store, projections: [projection] }).start();
