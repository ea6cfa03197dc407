/**
 * The embedded database runs each statement synchronously in the server's own thread: what it promises about
 * the rest of the process getting a turn (new connections are accepted once per turn of the event loop).
 */
import { expect } from "chai";
import { openPglite } from "../../src/db/pglite.js";
import type { Database } from "../../src/db/database.js";

describe("the embedded database (PGlite) under a queue of statements", function () {
  let db: Database;

  before(async function () {
    db = await openPglite();
    await db.exec("create table marks (n int not null, at serial)");
  });

  after(async function () {
    await db.close();
  });

  it("lets other work run between statements asked for together, and runs them in the order asked", async function () {
    const finished: number[] = [];
    const statements = Array.from({ length: 100 }, (_, n) =>
      db.query("insert into marks (n) values ($1)", [n]).then(() => finished.push(n)));
    // Work that asked for a turn of the event loop after the statements were asked for (as the poll that
    // accepts a connection and reads a request does): it must not wait for the whole queue.
    const finishedBeforeOtherWork = await new Promise<number>((resolve) => setImmediate(() => resolve(finished.length)));
    await Promise.all(statements);

    expect(finishedBeforeOtherWork).to.be.below(5);
    const expected = Array.from({ length: 100 }, (_, n) => n);
    expect(finished).to.deep.equal(expected);
    const stored = await db.query<{ n: number }>("select n from marks order by at");
    expect(stored.rows.map((row) => row.n)).to.deep.equal(expected);
  });

  it("runs a transaction's statements together, and a statement asked for meanwhile after its commit", async function () {
    await db.exec("truncate marks");
    const transaction = db.transaction(async (tx) => {
      for (let n = 0; n < 20; n++) await tx.query("insert into marks (n) values ($1)", [n]);
    });
    const counted = db.query<{ count: number }>("select count(*)::int as count from marks");
    await transaction;
    expect((await counted).rows[0].count).to.equal(20);
  });
});
