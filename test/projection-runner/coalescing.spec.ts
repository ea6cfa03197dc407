import { expect } from "chai";
import { randomUUID } from "node:crypto";
import { createPostgresEventStore } from "../../src/eventstore/postgres.js";
import type { EventStore, Position } from "../../src/eventstore/port.js";
import { CoalescingQueryable } from "../../src/projection-runner/coalescing-queryable.js";
import { ProjectionRunner } from "../../src/projection-runner/runner.js";
import { z } from "zod";
import { defineEvent } from "../../events/define.js";
import { on, projection } from "../../projections/projection.js";
import { databaseKinds, type TestDatabase } from "../support/databases.js";

const Noted = defineEvent("Noted", z.object({ label: z.string() }));

// Plain single-row inserts (the kind the runner batches), and a read of its own table before each one.
const journal = projection({
  name: "journal",
  version: 1,
  tables: ["journal"],
  schema: "create table journal (event_id uuid primary key, seq int not null, label text not null)",
  handlers: [
    on(Noted, async (event, tx) => {
      const { rows } = await tx.query<{ n: number }>("select count(*)::int as n from journal");
      await tx.query("insert into journal (event_id, seq, label) values ($1, $2, $3)", [event.id, rows[0].n, event.data.label]);
    }),
  ],
});

for (const kind of databaseKinds()) {
  describe(`batched read-model inserts (${kind.name})`, () => {
    let t: TestDatabase;
    let store: EventStore;

    beforeEach(async () => {
      t = await kind.create();
      store = await createPostgresEventStore(t.db);
    });

    afterEach(async () => {
      await store.close();
      await t.dispose();
    });

    it("writes every row once, in order, and reads in a batch see the rows inserted before them", async () => {
      let last!: Position;
      for (let i = 0; i < 120; i++) {
        last = (await store.append(`note-${randomUUID()}`, [{ id: randomUUID(), type: "Noted", data: { label: `n${i}` } }],
          "no_stream")).position;
      }
      const runner = new ProjectionRunner({ db: t.db, store, projections: [journal] });
      await runner.start();
      try {
        await runner.waitFor(last, 20_000);
      } finally {
        await runner.stop();
      }
      const { rows } = await t.db.query<{ seq: number; label: string }>("select seq, label from public.journal order by seq");
      expect(rows.map((r) => r.seq)).to.deep.equal([...Array(120).keys()]);
      expect(rows.map((r) => r.label)).to.deep.equal([...Array(120).keys()].map((i) => `n${i}`));
    });

    it("fails the whole transaction when a held insert fails", async () => {
      await t.db.exec("create table held (id int primary key)");
      const failure = await t.db.transaction(async (tx) => {
        const batched = new CoalescingQueryable(tx);
        for (const id of [1, 2, 2, 3]) await batched.query("insert into held (id) values ($1)", [id]);
        await batched.flush();
      }).catch((error: unknown) => error);
      expect(failure).to.be.instanceOf(Error);
      const { rows } = await t.db.query<{ n: number }>("select count(*)::int as n from held");
      expect(rows[0].n).to.equal(0);
    });
  });
}
