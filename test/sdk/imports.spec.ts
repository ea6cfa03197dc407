/** Importing the SDK loads the SDK and nothing of the server: no koa, no database, no key provider. */
import { expect } from "chai";
import { readdirSync } from "node:fs";
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

describe("what the wire schemas (src/api) load", () => {
  const files = readdirSync("src/api").filter((name) => name.endsWith(".ts")).map((name) => `src/api/${name}`);
  const closures = files.map((file) => importClosure(process.cwd(), file));

  it("the schemas and the domain's rules, nothing of the server", () => {
    expect(files.length).to.be.greaterThan(8);
    const outside = closures.flatMap((c) => c.files).filter((file) => !/^(src\/api|events|commands)\//.test(file));
    expect([...new Set(outside)]).to.deep.equal([]);
  });

  it("no package but zod", () => {
    expect([...new Set(closures.flatMap((c) => c.packages))].sort()).to.deep.equal(["zod"]);
  });
});

describe("what `keyledger mcp` loads", () => {
  const closure = importClosure(process.cwd(), "src/mcp/stdio.ts");

  it("the MCP server, the SDK and the wire schemas: nothing of the server", () => {
    const outside = closure.files.filter((file) => !/^(src\/(mcp|sdk|api)|events|commands)\//.test(file));
    expect(outside).to.deep.equal(["src/version.ts"]);
    expect(closure.files).to.not.include("src/mcp/http.ts");
  });

  it("no package but the MCP SDK, zod and node's own", () => {
    const others = closure.packages.filter((name) => !name.startsWith("node:") && !name.startsWith("@modelcontextprotocol/sdk/"));
    expect(others).to.deep.equal(["zod"]);
  });
});
