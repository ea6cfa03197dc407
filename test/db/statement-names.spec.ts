/** Named prepared statements on PostgreSQL: which statements get a name, and what a stale one does. */
import { expect } from "chai";
import { openPostgres } from "../../src/db/postgres.js";
import { StatementNames } from "../../src/db/statement-names.js";
import { freshPostgres, postgresServerUrl, type TestDatabase } from "../support/databases.js";

describe("statement names", () => {
  it("names a text from its third send on, with a name that is the same in every process", () => {
    const here = new StatementNames();
    const there = new StatementNames();
    const text = "select id from vaults where id = $1";
    expect([here.nameFor(text), here.nameFor(text)]).to.deep.equal([undefined, undefined]);
    const name = here.nameFor(text);
    expect(name).to.match(/^kl_[0-9a-f]{24}$/);
    expect(here.nameFor(text)).to.equal(name);
    for (let i = 0; i < 3; i++) there.nameFor(text);
    expect(there.nameFor(text)).to.equal(name);
    expect(here.nameFor("select id from vaults where org_id = $1")).to.equal(undefined);
  });

  it("names no more texts than its bound, and never again one the server refused", () => {
    const names = new StatementNames(2);
    const sendThrice = (text: string) => [names.nameFor(text), names.nameFor(text), names.nameFor(text)][2];
    expect(sendThrice("select $1::int as a")).to.be.a("string");
    expect(sendThrice("select $1::int as b")).to.be.a("string");
    expect(sendThrice("select $1::int as c")).to.equal(undefined);
    names.refuse("select $1::int as a");
    expect(sendThrice("select $1::int as a")).to.equal(undefined);
  });
});

(postgresServerUrl ? describe : describe.skip)("named statements on PostgreSQL", () => {
  let database: TestDatabase;

  beforeEach(async () => {
    database = await freshPostgres();
  });

  afterEach(async () => {
    await database.dispose();
  });

  it("prepares a repeated statement once on its connection, and answers after the view it reads changed shape", async () => {
    // One connection, so that the statements below and the catalog query share it.
    const db = openPostgres({ connectionString: database.url!, max: 1 });
    try {
      await db.exec("create table marks_1 (a int); insert into marks_1 values (1); create view marks as select * from marks_1");
      const text = "select * from marks where a = $1";
      for (let i = 0; i < 6; i++) expect((await db.query(text, [1])).rows).to.deep.equal([{ a: 1 }]);
      const prepared = await db.query<{ statement: string }>("select statement from pg_prepared_statements");
      expect(prepared.rows.map((row) => row.statement)).to.deep.equal([text]);
      // A read model's swap to a generation with another column: the kept plan's result type no longer holds.
      await db.exec("create table marks_2 (a int, b text); insert into marks_2 values (1, 'x'); " +
        "drop view marks; create view marks as select * from marks_2");
      expect((await db.query(text, [1])).rows).to.deep.equal([{ a: 1, b: "x" }]);
      expect((await db.query(text, [1])).rows).to.deep.equal([{ a: 1, b: "x" }]);
    } finally {
      await db.close();
    }
  });

  it("sends statements inside a transaction unnamed", async () => {
    const db = openPostgres({ connectionString: database.url!, max: 1 });
    try {
      await db.transaction(async (tx) => {
        for (let i = 0; i < 6; i++) await tx.query("select $1::int as n", [i]);
      });
      expect((await db.query("select count(*)::int as n from pg_prepared_statements")).rows).to.deep.equal([{ n: 0 }]);
    } finally {
      await db.close();
    }
  });
});
