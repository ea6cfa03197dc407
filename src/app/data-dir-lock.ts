/**
 * The embedded database (PGlite) must be opened by one process at a time: a second one would corrupt it.
 * A lock file holding the owner's pid guards the data directory; a lock left by a dead process is taken over.
 */
import { readFile, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { preparePrivateDir } from "./data-dir.js";

export class DataDirInUse extends Error {
  constructor(readonly dataDir: string, readonly pid: number) {
    super(`the data directory ${dataDir} is in use by process ${pid} (a running keyledger server?). ` +
      "Stop it first, or run with DATABASE_URL so that several processes can share the store.");
    this.name = "DataDirInUse";
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Locks the directory (created 0700 if absent). `onInsecure` hears about an existing directory that other
 * users may read (default: a warning on stderr).
 */
export async function lockDataDir(dataDir: string, onInsecure: (warning: string) => void = (w) => process.stderr.write(`WARNING: ${w}\n`)):
  Promise<{ release(): Promise<void> }> {
  const insecure = await preparePrivateDir(dataDir);
  if (insecure) onInsecure(insecure);
  const file = path.join(dataDir, "keyledger.lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(file, String(process.pid), { flag: "wx" });
      return { release: () => unlink(file).catch(() => {}) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = Number((await readFile(file, "utf8").catch(() => "")).trim());
      if (owner && isAlive(owner)) throw new DataDirInUse(dataDir, owner);
      await unlink(file).catch(() => {});
    }
  }
  throw new Error(`could not lock the data directory ${dataDir}`);
}
