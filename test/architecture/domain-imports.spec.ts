import { expect } from "chai";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

/**
 * The domain (events/, commands/, projections/) is pure: it imports nothing from src/ (I/O lives there) and
 * no package but zod and node's pure built-ins. A move that breaks this fails here, not in review.
 */
const root = path.resolve(new URL("../..", import.meta.url).pathname);
const DOMAIN = ["events", "commands", "projections"];
const ALLOWED_PACKAGES = new Set(["zod", "node:crypto", "node:net"]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith(".ts") ? [full] : [];
  });
}

/** Every module specifier in a file: static imports and re-exports, dynamic imports, require calls. */
export function specifiersOf(source: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\b(?:import|export)\s[^'"]*?\sfrom\s*["']([^"']+)["']/g,
    /\bimport\s*["']([^"']+)["']/g,
    /\b(?:import|require)\s*\(\s*["']([^"']+)["']\s*\)/g,
  ];
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) found.push(match[1]);
  return found;
}

function violations(): string[] {
  const out: string[] = [];
  for (const top of DOMAIN) {
    for (const file of sourceFiles(path.join(root, top))) {
      for (const specifier of specifiersOf(readFileSync(file, "utf8"))) {
        const where = `${path.relative(root, file)} imports ${specifier}`;
        if (specifier.startsWith(".")) {
          const target = path.relative(root, path.resolve(path.dirname(file), specifier));
          if (!DOMAIN.includes(target.split(path.sep)[0])) out.push(where);
        } else if (!ALLOWED_PACKAGES.has(specifier)) {
          out.push(where);
        }
      }
    }
  }
  return out;
}

describe("the domain's imports", () => {
  it("events/, commands/ and projections/ import only each other, zod and pure node built-ins", () => {
    expect(violations()).to.deep.equal([]);
  });

  it("the scan sees every kind of import it guards against", () => {
    const source = [
      `import type { Queryable } from "../src/db/database.js";`,
      `import {\n  a,\n  b,\n} from "../src/x.js";`,
      `export { c } from "../src/y.js";`,
      `import "../src/side-effect.js";`,
      `const m = await import("../src/lazy.js");`,
    ].join("\n");
    expect(specifiersOf(source)).to.have.members([
      "../src/db/database.js", "../src/x.js", "../src/y.js", "../src/side-effect.js", "../src/lazy.js",
    ]);
  });
});
