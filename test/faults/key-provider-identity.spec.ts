/**
 * Issue 9, point 6: a store remembers its key provider. A process whose provider does not hold the store's
 * keys refuses to start, naming what is missing; CLI commands say which store and keys they open, and none
 * creates a fresh data directory by accident.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startServer } from "../../src/app/server.js";
import type { Config } from "../../src/config.js";
import { KeyProviderMismatch } from "../../src/keys/identity.js";
import { createLogger } from "../../src/log.js";
import { testConfig, type TestConfig } from "../support/app-config.js";
import { KEYLEDGER_BIN } from "../support/child-server.js";

const silent = () => createLogger({ level: "silent" });

function cliEnv(config: Config): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, KEYLEDGER_DATA_DIR: config.dataDir, LOG_LEVEL: "silent",
    DATABASE_URL: config.databaseUrl ?? "", KEY_PROVIDER: config.keyProvider.kind, PKCS11_MODULE: "" };
  if (config.keyProvider.kind === "pkcs11") {
    Object.assign(env, { PKCS11_MODULE: config.keyProvider.module, PKCS11_PIN: config.keyProvider.pin,
      PKCS11_TOKEN_LABEL: config.keyProvider.tokenLabel });
  }
  return env;
}

describe("a store's key provider (issue 9.6)", function () {
  this.timeout(120_000);
  let setup: TestConfig;

  before(async () => {
    setup = await testConfig("key-identity");
    // First use: records the provider's identity.
    const first = await startServer(setup.config, silent());
    await first.close();
  });
  after(() => setup?.dispose());

  it("refuses to start on a provider that does not hold the store's keys, naming what to set", async () => {
    const wrongKeysDir = await mkdtemp(path.join(tmpdir(), "keyledger-otherkeys-"));
    // pkcs11 store -> local keys; local store -> local keys of another data directory (same database).
    const wrong: Config = setup.config.keyProvider.kind === "pkcs11"
      ? { ...setup.config, keyProvider: { kind: "local" }, dataDir: setup.config.databaseUrl ? wrongKeysDir : setup.config.dataDir }
      : { ...setup.config, keyProvider: { kind: "local" } };
    if (wrong.dataDir === setup.config.dataDir && setup.config.keyProvider.kind === "local") {
      await rm(path.join(setup.config.dataDir, "keys"), { recursive: true, force: true });
    }
    let refused: unknown;
    try {
      const server = await startServer(wrong, silent());
      await server.close();
    } catch (error) {
      refused = error;
    } finally {
      await rm(wrongKeysDir, { recursive: true, force: true });
    }
    expect(refused).to.be.instanceOf(KeyProviderMismatch);
    const message = (refused as Error).message;
    expect(message).to.include(`held by a ${setup.config.keyProvider.kind} key provider`);
    expect(message).to.include("does not hold the audit signing key");
    expect(message).to.include(setup.config.keyProvider.kind === "pkcs11" ? "PKCS11_MODULE" : "KEYLEDGER_DATA_DIR");
  });

  it("CLI commands say which store and keys they open", () => {
    if (setup.config.keyProvider.kind === "local" && !setup.config.databaseUrl) {
      // The refusal test above removed the local keys: verify then refuses as the server did.
      const run = spawnSync(process.execPath, [KEYLEDGER_BIN, "audit", "verify", "--stores"], { env: cliEnv(setup.config), encoding: "utf8", timeout: 100_000 });
      expect(run.stderr).to.include(`keyledger: store: embedded PGlite in ${path.join(setup.config.dataDir, "pglite")}; keys: local software keys`);
      expect(run.stderr).to.include("does not hold the audit signing key");
      expect(run.status).to.equal(2);
      return;
    }
    const run = spawnSync(process.execPath, [KEYLEDGER_BIN, "audit", "verify", "--stores"], { env: cliEnv(setup.config), encoding: "utf8", timeout: 100_000 });
    expect(run.stderr).to.match(/keyledger: store: (PostgreSQL|embedded PGlite) .*; keys: /);
    expect(run.status, run.stderr).to.equal(0);
  });

  it("refuses, without creating it, a data directory that holds no store", async () => {
    const missing = path.join(await mkdtemp(path.join(tmpdir(), "keyledger-nostore-")), "data");
    for (const args of [["projections", "status"], ["replay"], ["audit", "verify", "--stores"]]) {
      const run = spawnSync(process.execPath, [KEYLEDGER_BIN, ...args], {
        env: { ...process.env, KEYLEDGER_DATA_DIR: missing, DATABASE_URL: "", KEY_PROVIDER: "local", PKCS11_MODULE: "", LOG_LEVEL: "silent" },
        encoding: "utf8", timeout: 60_000 });
      expect(run.status, args.join(" ")).to.equal(2);
      expect(run.stderr).to.include(`there is no Keyledger store in ${missing}`);
      expect(existsSync(missing), `${args.join(" ")} created ${missing}`).to.equal(false);
    }
    await rm(path.dirname(missing), { recursive: true, force: true });
  });
});
