/**
 * The embedded data directory holds the database and, with local keys, the master key: it is private to
 * its owner. A new one is created 0700 (the process umask makes its files 0600); an existing one that
 * others may enter is reported loudly, with the command that fixes it.
 */
import { chmod, mkdir, readdir, stat } from "node:fs/promises";
import path from "node:path";

/** Files and directories this process creates are its owner's only (0600 / 0700). */
export function restrictFileCreation(): void {
  process.umask(0o077);
}

/** Creates the directory (0700) if absent; returns a warning when it exists and others may use it. */
export async function preparePrivateDir(dir: string): Promise<string | undefined> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const { mode } = await stat(dir);
  if ((mode & 0o077) === 0) return undefined;
  const octal = (mode & 0o777).toString(8).padStart(3, "0");
  return `the data directory ${dir} can be used by other users (mode ${octal}): it holds the database` +
    ` and may hold the master key. Fix it with: chmod -R go-rwx ${dir}`;
}

/**
 * Takes every permission of group and others off a tree. PGlite's WASM file system creates its files 0666
 * whatever the umask; the directory above is 0700 so they are out of reach anyway, but the files should
 * say so too (a later chmod of the directory, a backup copied elsewhere).
 */
export async function restrictTree(dir: string): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  await Promise.all(entries.map(async (entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isSymbolicLink()) return;
    if (entry.isDirectory()) await restrictTree(full);
    const { mode } = await stat(full);
    if (mode & 0o077) await chmod(full, mode & 0o700);
  }));
  const { mode } = await stat(dir);
  if (mode & 0o077) await chmod(dir, mode & 0o700);
}
