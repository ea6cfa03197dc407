/**
 * Issue 9, point 7: the embedded data directory is its owner's only. A new one is 0700 with files 0600
 * whatever the umask; an existing one that others can enter is reported loudly at start.
 */
import { expect } from "chai";
import { chmod, lstat, mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ChildServer, signUpThroughOutbox } from "../support/child-server.js";

async function looseEntries(dir: string): Promise<string[]> {
  const loose: string[] = [];
  const { mode } = await lstat(dir);
  if (mode & 0o077) loose.push(`${dir} ${(mode & 0o777).toString(8)}`);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) loose.push(...(await looseEntries(full)));
    else if (!entry.isSymbolicLink()) {
      const m = (await lstat(full)).mode;
      if (m & 0o077) loose.push(`${full} ${(m & 0o777).toString(8)}`);
    }
  }
  return loose;
}

const embedded = { DATABASE_URL: "", EVENTSTORE_URL: "", KEY_PROVIDER: "local", PKCS11_MODULE: "", LOG_LEVEL: "info",
  RATE_LIMIT_AUTH_BURST: "1000", RATE_LIMIT_AUTH_PER_SECOND: "1000" };

describe("the embedded data directory's permissions (issue 9.7)", function () {
  this.timeout(120_000);
  let root: string;
  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), "keyledger-perms-"));
  });
  after(() => rm(root, { recursive: true, force: true }));

  it("creates the directory 0700 and every file in it 0600, even under umask 000", async () => {
    const dataDir = path.join(root, "fresh", "data");
    const server = await ChildServer.spawn({ ...embedded, KEYLEDGER_DATA_DIR: dataDir }, undefined, { umask: "000" });
    try {
      await server.waitHealthy();
      await signUpThroughOutbox(server.url, dataDir);
    } finally {
      await server.stop();
    }
    expect(await readdir(dataDir)).to.include.members(["pglite", "keys", "outbox"]);
    const loose = await looseEntries(dataDir);
    expect(loose, loose.slice(0, 10).join("\n")).to.deep.equal([]);
  });

  it("warns loudly, naming the fix, when an existing directory is open to others", async () => {
    const dataDir = path.join(root, "open");
    await mkdir(dataDir);
    await chmod(dataDir, 0o755);
    const server = await ChildServer.spawn({ ...embedded, KEYLEDGER_DATA_DIR: dataDir });
    try {
      await server.waitHealthy();
    } finally {
      await server.stop();
    }
    expect(server.logs()).to.include(`the data directory ${dataDir} can be used by other users (mode 755)`);
    expect(server.logs()).to.include(`chmod -R go-rwx ${dataDir}`);
  });
});
