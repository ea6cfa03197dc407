/**
 * The package's version, read from package.json at run time. The file sits two directories up from
 * the TypeScript sources (src/) and three from the compiled ones (dist/src/), so look upwards for it
 * rather than importing it: a JSON import would make the compiler copy package.json into dist/.
 */
import { readFileSync } from "node:fs";

function readPackageVersion(): string {
  for (let dir = new URL("./", import.meta.url); ; dir = new URL("../", dir)) {
    try {
      const pkg = JSON.parse(readFileSync(new URL("package.json", dir), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "keyledger" && pkg.version) return pkg.version;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    if (dir.pathname === "/") throw new Error("keyledger's package.json not found above " + import.meta.url);
  }
}

export const version = readPackageVersion();
