/**
 * Customer-managed keys from the `keyledger` CLI, as an operator runs it (the built bin in a child process,
 * its own HOME): key files, `vault cmek-enable`, `secret set|get --cmek-key-file`, and `vault cmek-rotate`
 * following the job to its end with progress on stderr. Plus the progress line on a terminal.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { Output } from "../../src/cli/client/output.js";
import { cmekFingerprint, fromBase64 } from "../../src/sdk/cmek.js";
import { createUser, type TestUser } from "../support/identity.js";
import { startTestServer, type TestServer } from "../support/server.js";

const bin = new URL("../../bin/keyledger.js", import.meta.url).pathname;

describe("customer-managed keys from the CLI", function () {
  let server: TestServer;
  let human: TestUser;
  let home: string;

  before(async () => {
    server = await startTestServer("cmek-cli", { cmekBatchPauseMs: 200 });
    human = await createUser(server);
    home = await mkdtemp(path.join(tmpdir(), "keyledger-cmek-cli-"));
  });
  after(async () => {
    await server?.close();
    await rm(home, { recursive: true, force: true });
  });

  function run(args: string[], input = ""): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: home, env: { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: path.join(home, "xdg") },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.stdin.end(input);
    return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
  }

  async function ok(args: string[], input = ""): Promise<{ stdout: string; stderr: string }> {
    const result = await run(args, input);
    expect(result.code, `${args.join(" ")}: ${result.stderr}`).to.equal(0);
    return result;
  }

  it("encrypts on set, decrypts on get, and rotates with progress until the job completes", async () => {
    await ok(["login", "--email", human.email, "--api-url", server.url], `${human.password}\n`);
    const vault = JSON.parse((await ok(["vault", "create", "cmek-cli", "--json"])).stdout);
    const [oldFile, newFile] = [path.join(home, "old.key"), path.join(home, "new.key")];
    const generated = JSON.parse((await ok(["vault", "cmek-keygen", oldFile, "--json"])).stdout);
    await ok(["vault", "cmek-keygen", newFile]);
    expect((await stat(oldFile)).mode & 0o777).to.equal(0o600);
    const oldKey = fromBase64((await readFile(oldFile, "utf8")).trim())!;
    expect(generated.fingerprint).to.equal(await cmekFingerprint(oldKey));
    expect((await run(["vault", "cmek-keygen", oldFile])).code, "never overwrites a key").to.not.equal(0);

    const enabled = JSON.parse((await ok(["vault", "cmek-enable", vault.id, "--key-file", oldFile, "--json"])).stdout);
    expect(enabled).to.include({ cmek_enabled: true, cmek_fingerprint: generated.fingerprint });

    for (let i = 0; i < 5; i++) await ok(["secret", "set", `db/pw-${i}`, `hunter-${i}`, "-v", vault.id, "--cmek-key-file", oldFile, "-q"]);
    const blob = (await ok(["secret", "get", "db/pw-3", "-v", vault.id, "-q"])).stdout.trim();
    expect(blob).to.not.include("hunter");
    expect((await ok(["secret", "get", "db/pw-3", "-v", vault.id, "-q", "--cmek-key-file", oldFile])).stdout).to.equal("hunter-3\n");

    const rotation = await ok(["vault", "cmek-rotate", vault.id, "--old-key-file", oldFile, "--new-key-file", newFile, "--interval", "100"]);
    expect(rotation.stderr).to.match(/rotating \[#+\] 5\/5 secrets 100% completed/);
    expect(rotation.stderr).to.include("completed: 5 secrets on the new key");
    expect(rotation.stdout).to.match(/Status:\s+completed/);

    expect((await ok(["secret", "get", "db/pw-0", "-v", vault.id, "-q", "--cmek-key-file", newFile])).stdout).to.equal("hunter-0\n");
    const withOld = await run(["secret", "get", "db/pw-0", "-v", vault.id, "-q", "--cmek-key-file", oldFile]);
    expect(withOld.code).to.not.equal(0);
    expect(withOld.stderr).to.include("does not open");
    const keyText = [(await readFile(oldFile, "utf8")).trim(), (await readFile(newFile, "utf8")).trim()];
    for (const text of keyText) expect(server.logs()).to.not.include(text);
  });

  it("rewrites the progress line in place on a terminal", () => {
    let written = "";
    const terminal = Object.assign(new Writable({ write(chunk, _e, done) { written += chunk; done(); } }), { isTTY: true });
    const out = new Output("table", new Writable({ write(_c, _e, done) { done(); } }), terminal);
    out.progress("rotating 100/300");
    out.progress("rotating 200/300");
    out.progressDone();
    expect(written).to.equal("\r\x1b[2Krotating 100/300\r\x1b[2Krotating 200/300\n");
  });
});
