/**
 * What a starting server loads, read from the import graph (not timed): the libraries only some installations
 * use are loaded when first used, not at start (issue 12, cold start): ethers (transaction signing and
 * simulation), the EventStoreDB client (installations on EventStoreDB) and nodemailer (mail over SMTP).
 */
import { expect } from "chai";
import { importClosure } from "../support/import-closure.js";

const LOADED_ON_FIRST_USE = ["ethers", "@eventstore/db-client", "nodemailer"];

describe("what a starting server loads", () => {
  it("not the libraries only some installations use", () => {
    const { packages } = importClosure(process.cwd(), "src/cli/serve.ts");
    expect(packages).to.include.members(["koa", "pg"]);
    expect(packages.filter((name) => LOADED_ON_FIRST_USE.some((lazy) => name === lazy || name.startsWith(`${lazy}/`)))).to.deep.equal([]);
  });
});
