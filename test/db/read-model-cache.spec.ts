/**
 * The in-process cache of per-request lookups (src/db/read-model-cache.ts) on a real database: what it
 * serves from memory, and each way an entry stops being served (its projection applied a batch here, this
 * process's own write is in the read models, the entry outlived the staleness bound), plus the statements it
 * never caches. The tables are written directly here, standing in for the projections' commits.
 */
import { expect } from "chai";
import { allProjections } from "../../projections/index.js";
import { ReadModelCache } from "../../src/db/read-model-cache.js";
import type { Database } from "../../src/db/database.js";
import { freshPglite, type TestDatabase } from "../support/databases.js";

describe("read-model cache of per-request lookups", () => {
  let database: TestDatabase;
  let db: Database;
  let clock: number;
  let cache: ReadModelCache;

  const note = async (sql: string, id = 1) =>
    (await cache.lookups.query<{ note: string }>(sql, [id])).rows[0]?.note;
  const POLICY = "select note from policies where id = $1";
  const setPolicy = (text: string) => db.query("update policies set note = $1 where id = 1", [text]);

  beforeEach(async () => {
    database = await freshPglite();
    db = database.db;
    await db.exec(`create table policies (id int primary key, note text);
                   create table vaults (id int primary key, note text);
                   create table secret_reads (id int primary key, note text);
                   insert into policies values (1, 'v1'), (2, 'other');
                   insert into vaults values (1, 'vault');
                   insert into secret_reads values (1, 'r1');`);
    clock = 0;
    cache = new ReadModelCache({ db, projections: allProjections, tables: ["policies", "vaults"], maxAgeMs: 1000, now: () => clock });
  });
  afterEach(async () => database.dispose());

  it("answers a repeated lookup from memory, with frozen rows", async () => {
    expect(await note(POLICY)).to.equal("v1");
    await setPolicy("v2");
    expect(await note(POLICY)).to.equal("v1");
    const { rows } = await cache.lookups.query<{ note: string }>(POLICY, [1]);
    expect(Object.isFrozen(rows[0])).to.equal(true);
    // Other parameters are other entries.
    expect(await note(POLICY, 2)).to.equal("other");
    // So are other statements with the same parameters.
    expect(await note("select upper(note) as note from policies where id = $1")).to.equal("V2");
  });

  it("drops a table's entries when its projection applies a batch in this process", async () => {
    expect(await note(POLICY)).to.equal("v1");
    expect(await note("select note from vaults where id = $1")).to.equal("vault");
    await setPolicy("v2");
    await db.query("update vaults set note = 'renamed'");
    cache.projectionApplied("secret_reads");
    expect(await note(POLICY)).to.equal("v1");
    cache.projectionApplied("policies");
    expect(await note(POLICY)).to.equal("v2");
    // Only the applied projection's tables.
    expect(await note("select note from vaults where id = $1")).to.equal("vault");
  });

  it("drops what this process's own events change once they are in the read models", async () => {
    expect(await note(POLICY)).to.equal("v1");
    await setPolicy("v2");
    cache.eventsWritten(["SecretValueRead", "AccessDenied"]);
    expect(await note(POLICY)).to.equal("v1");
    cache.eventsWritten(["PolicyUpdated"]);
    expect(await note(POLICY)).to.equal("v2");
  });

  it("serves no entry older than its bound: a change made elsewhere is seen after maxAgeMs at the latest", async () => {
    expect(await note(POLICY)).to.equal("v1");
    await setPolicy("v2");
    clock = 1000;
    expect(await note(POLICY)).to.equal("v1");
    clock = 1001;
    expect(await note(POLICY)).to.equal("v2");
  });

  it("does not keep an answer that was in flight when its table was invalidated", async () => {
    const inFlight = note(POLICY);
    cache.projectionApplied("policies");
    await setPolicy("v2");
    await inFlight;
    expect(await note(POLICY)).to.equal("v2");
  });

  it("never caches other tables, joins, several statements or writes", async () => {
    expect(await note("select note from secret_reads where id = $1")).to.equal("r1");
    await db.query("update secret_reads set note = 'r2'");
    expect(await note("select note from secret_reads where id = $1")).to.equal("r2");

    const join = "select p.note from policies p join vaults v on v.id = p.id where p.id = $1";
    expect(await note(join)).to.equal("v1");
    await setPolicy("v2");
    expect(await note(join)).to.equal("v2");

    await cache.lookups.query("update policies set note = 'v3' where id = $1", [1]);
    expect((await db.query<{ note: string }>("select note from policies where id = 1")).rows[0].note).to.equal("v3");
  });

  it("does not remember a failed lookup", async () => {
    const VAULT = "select note from vaults where id = $1";
    await db.exec("drop table vaults");
    let failed = false;
    await note(VAULT).catch(() => (failed = true));
    expect(failed).to.equal(true);
    await db.exec("create table vaults (id int primary key, note text); insert into vaults values (1, 'back')");
    expect(await note(VAULT)).to.equal("back");
  });

  it("refuses a table no projection owns", () => {
    expect(() => new ReadModelCache({ db, projections: allProjections, tables: ["no_such_table"] })).to.throw(/no projection owns/);
  });
});
