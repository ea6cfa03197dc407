/**
 * The modules a module loads at run time, followed through relative imports: `import type` and
 * `export type` are left out (they vanish when compiled), so what is listed is what `import` really loads.
 */
import { readFileSync } from "node:fs";
import path from "node:path";

const STATEMENT = /^\s*(import|export)\s+(type\s+)?(?:[^"';]*?\s+from\s+)?["']([^"']+)["']/gm;
const DYNAMIC = /\bimport\(\s*["']([^"']+)["']\s*\)/g;

export interface Closure {
  /** Project files, relative to the root, with .ts extensions. */
  files: string[];
  /** Bare specifiers (packages and node: builtins). */
  packages: string[];
}

export function importClosure(root: string, entry: string): Closure {
  const files = new Set<string>();
  const packages = new Set<string>();
  const pending = [path.resolve(root, entry)];
  while (pending.length > 0) {
    const file = pending.pop()!;
    const relative = path.relative(root, file);
    if (files.has(relative)) continue;
    files.add(relative);
    const source = readFileSync(file, "utf8");
    const specifiers = [
      ...[...source.matchAll(STATEMENT)].filter((m) => !m[2]).map((m) => m[3]),
      ...[...source.matchAll(DYNAMIC)].map((m) => m[1]),
    ];
    for (const specifier of specifiers) {
      if (specifier.startsWith(".")) pending.push(path.resolve(path.dirname(file), specifier.replace(/\.js$/, ".ts")));
      else packages.add(specifier);
    }
  }
  return { files: [...files].sort(), packages: [...packages].sort() };
}
