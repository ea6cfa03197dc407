/** What a transaction promises on both engines, with the statement sent with its commit. */
import { expect } from "chai";
import { databaseKinds, type TestDatabase } from "../support/databases.js";

for (const kind of databaseKinds()) {
  describe(`transactions on ${kind.name}`, function () {
    let database: TestDatabase;

    beforeEach(async function () {
      database = await kind.create();
      await database.db.exec("create table marks (mark text not null)");
    });

    afterEach(async function () {
      await database.dispose();
    });

    const marks = async () => (await database.db.query<{ mark: string }>("select mark from marks order by mark")).rows
      .map((row) => row.mark);

    it("runs the statement asked for just before the commit, inside the transaction", async function () {
      await database.db.transaction(async (tx) => {
        await tx.exec("insert into marks values ('body')");
      }, { beforeCommit: () => "insert into marks values ('last')" });
      expect(await marks()).to.deep.equal(["body", "last"]);
    });

    it("asks for that statement only once the body succeeded, and rolls both back when it fails", async function () {
      let asked = 0;
      const failing = database.db.transaction(async (tx) => {
        await tx.exec("insert into marks values ('body')");
        throw new Error("the body failed");
      }, { beforeCommit: () => (asked++, "insert into marks values ('last')") });
      await failing.then(() => expect.fail("should have failed"), (error: Error) => expect(error.message).to.equal("the body failed"));
      expect(asked).to.equal(0);

      const refused = database.db.transaction(async (tx) => {
        await tx.exec("insert into marks values ('body')");
      }, { beforeCommit: () => "insert into marks values (null)" });
      await refused.then(() => expect.fail("should have failed"), () => {});
      expect(await marks()).to.deep.equal([]);
    });
  });
}
