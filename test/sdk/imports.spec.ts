/** Importing the SDK loads the SDK and nothing of the server: no koa, no database, no key provider. */
import { expect } from "chai";
import { importClosure } from "../support/import-closure.js";

describe("what importing the SDK loads", () => {
  const closure = importClosure(process.cwd(), "src/sdk/index.ts");

  it("only SDK modules", () => {
    expect(closure.files.length).to.be.greaterThan(5);
    expect(closure.files.filter((file) => !file.startsWith("src/sdk/"))).to.deep.equal([]);
  });

  it("no package, not even node's own (it runs wherever fetch and Web Crypto do)", () => {
    expect(closure.packages).to.deep.equal([]);
  });
});
