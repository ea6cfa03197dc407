/**
 * Issue 9, point 12: the README's "Running on the real parts" commands work as written on a fresh machine:
 * the token script says where the token goes, and `npm start` creates the database it is pointed at. Run
 * with two substitutions only: a throwaway SoftHSM configuration (never the system-wide token directory) and
 * a unique database name (the shared server must not get a `keyledger` database from a test).
 */
import { expect } from "chai";
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { freePort } from "../support/child-server.js";
import { ensureDashboardBuilt } from "../support/dashboard-build.js";
import { postgresServerUrl } from "../support/databases.js";
import { softHsmUnavailableReason } from "../support/softhsm.js";

const root = fileURLToPath(new URL("../../", import.meta.url));

function realPartsCommands(): string[] {
  const readme = readFileSync(path.join(root, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Running on the real parts"));
  const block = /```sh\n([\s\S]*?)```/.exec(section)![1];
  // Join continued lines, drop comments and blank lines.
  return block.replace(/\\\n\s*/g, "").split("\n").map((line) => line.replace(/\s+#.*$/, "").trim())
    .filter((line) => line && !line.startsWith("#"));
}

const skipReason = !postgresServerUrl ? "DATABASE_URL is not set (needs a real PostgreSQL server)" : softHsmUnavailableReason();

(skipReason ? describe.skip : describe)("the README's real-parts commands, as written (issue 9.12)", function () {
  this.timeout(180_000);
  const database = `keyledger_readme_${randomBytes(5).toString("hex")}`;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), "keyledger-readme-"));
    mkdirSync(path.join(dir, "tokens"));
    writeFileSync(path.join(dir, "softhsm2.conf"), `directories.tokendir = ${path.join(dir, "tokens")}\nobjectstore.backend = file\n`);
    const base = { ...process.env };
    for (const name of ["DATABASE_URL", "KEY_PROVIDER", "PKCS11_MODULE", "PKCS11_PIN", "PKCS11_TOKEN_LABEL", "EVENTSTORE_URL"]) delete base[name];
    env = { ...base, SOFTHSM2_CONF: path.join(dir, "softhsm2.conf"), KEYLEDGER_DATA_DIR: path.join(dir, "data"), LOG_LEVEL: "info" };
  });

  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    const admin = new pg.Client({ connectionString: postgresServerUrl });
    await admin.connect();
    await admin.query(`drop database if exists ${database} with (force)`);
    await admin.end();
  });

  it("documents the token script and npm start on a database that does not exist yet", () => {
    const commands = realPartsCommands();
    expect(commands.some((c) => c.includes("scripts/softhsm-token.sh"))).to.equal(true);
    expect(commands.some((c) => c.includes("npm start") && c.includes("DATABASE_URL="))).to.equal(true);
  });

  it("creates the token and says where it goes", () => {
    const command = realPartsCommands().find((c) => c.includes("scripts/softhsm-token.sh"))!;
    const output = execFileSync("sh", ["-c", command], { cwd: root, env, encoding: "utf8" });
    expect(output).to.include(`SoftHSM token directory: ${path.join(dir, "tokens")}`);
    expect(output).to.match(/initialised in /);
  });

  it("starts the server with npm start, creating the database, and serves the dashboard", async () => {
    ensureDashboardBuilt();
    const command = realPartsCommands().find((c) => c.includes("npm start"))!
      .replace("127.0.0.1:5432/keyledger", `127.0.0.1:5432/${database}`);
    const port = await freePort();
    // Its own process group, so that npm and the server under it are stopped together.
    const child = spawn("sh", ["-c", command], { cwd: root, env: { ...env, PORT: String(port) }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout!.on("data", (c) => (output += c));
    child.stderr!.on("data", (c) => (output += c));
    const exited = new Promise((resolve) => child.once("exit", resolve));
    try {
      const deadline = Date.now() + 120_000;
      let healthy = false;
      while (!healthy && Date.now() < deadline && child.exitCode === null) {
        healthy = await fetch(`http://127.0.0.1:${port}/v1/health`).then((r) => r.status === 200, () => false);
        if (!healthy) await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(healthy, output.slice(-3000)).to.equal(true);
      expect(output).to.include("created the database DATABASE_URL names");
      // The compiled server finds the dashboard's build (it once looked in dist/web/dist and served none).
      const page = await fetch(`http://127.0.0.1:${port}/vaults`, { headers: { accept: "text/html" } });
      expect(page.status).to.equal(200);
      expect(page.headers.get("content-type")).to.match(/^text\/html/);
      expect(await page.text()).to.include('<div id="app"></div>').and.match(/<script type="module"[^>]* src="\/assets\//);
    } finally {
      if (child.exitCode === null) process.kill(-child.pid!, "SIGTERM");
      await exited;
    }
  });
});

describe("the Docker build context", () => {
  it("leaves out a developer's data directory (keys/master.key) and node_modules", () => {
    const ignored = readFileSync(path.join(root, ".dockerignore"), "utf8").split("\n").map((l) => l.trim());
    for (const entry of ["data", "node_modules", ".git"]) expect(ignored).to.include(entry);
  });
});
