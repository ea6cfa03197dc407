/**
 * What the `keyledger` bin loads to run a client command: the entry module's static imports, then the
 * client commands' modules (commands.ts imports each command's actions when it runs). Read from the import
 * graph, not timed: nothing of the server (koa, the stores, the key providers, pino, zod schemas), not the
 * SDK's index or KeyledgerClient (all twelve resources), and no package but commander and node's own.
 * The operator commands' modules are main.ts's dynamic imports, loaded only when one of them runs.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import { importClosure } from "../support/import-closure.js";

const root = process.cwd();
const ENTRY = "src/cli/main.ts";
/** The one server module the entry loads: the umask for files the CLI writes (node built-ins only). */
const SHARED_WITH_THE_SERVER = ["src/app/data-dir.ts"];

function staticImports(file: string): string[] {
  const source = readFileSync(path.join(root, file), "utf8");
  return [...source.matchAll(/^\s*import\s+(type\s+)?(?:[^"';]*?\s+from\s+)?["']([^"']+)["']/gm)].filter((m) => !m[1]).map((m) => m[2]);
}

describe("what a client command of the bin loads", () => {
  const specifiers = staticImports(ENTRY);
  const closures = specifiers.filter((s) => s.startsWith(".")).map((s) =>
    importClosure(root, path.relative(root, path.resolve(path.dirname(path.join(root, ENTRY)), s.replace(/\.js$/, ".ts")))));
  const files = [...new Set(closures.flatMap((c) => c.files))].sort();
  const packages = [...new Set([...specifiers.filter((s) => !s.startsWith(".")), ...closures.flatMap((c) => c.packages)])].sort();

  it("sees the client commands' actions (the walk follows their lazy imports)", () => {
    expect(files).to.include.members(["src/cli/client/commands.ts", "src/cli/client/actions/secrets.ts", "src/cli/client/actions/run.ts",
      "src/sdk/http.ts", "src/sdk/resources/secrets.ts"]);
  });

  it("only the CLI's client modules, the SDK's HTTP path and resources, and the version", () => {
    const outside = files.filter((file) => !/^src\/(cli\/client\/|sdk\/(http|errors|cmek|types)\.ts$|sdk\/resources\/)/.test(file));
    expect(outside).to.deep.equal([...SHARED_WITH_THE_SERVER, "src/version.ts"].sort());
  });

  it("no package but commander and node's own", () => {
    expect(packages.filter((name) => !name.startsWith("node:"))).to.deep.equal(["commander"]);
  });
});
