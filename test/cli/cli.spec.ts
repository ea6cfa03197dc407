import { expect } from "chai";
import { spawn, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { PassThrough } from "node:stream";
import { openDatabase, openEventStore } from "../../src/app/stores.js";
import { projectionsRebuildCommand, projectionsStatusCommand, UnknownProjection } from "../../src/cli/projections.js";
import { listGenerations } from "../../src/projection-runner/catalog.js";
import { testConfig, type TestConfig } from "../support/app-config.js";
import { tallyProjection } from "../projection-runner/tally.js";

const bin = new URL("../../bin/keyledger.js", import.meta.url).pathname;

function keyledger(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", env: { ...process.env, ...env }, timeout: 60_000 });
}

function collect(): { stream: PassThrough; text(): string } {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (chunk) => (text += chunk));
  return { stream, text: () => text };
}

describe("keyledger CLI", () => {
  it("lists every environment variable in --help", () => {
    const run = keyledger(["--help"]);
    expect(run.status).to.equal(0);
    for (const name of ["PORT", "KEYLEDGER_DATA_DIR", "DATABASE_URL", "EVENTSTORE_URL", "PKCS11_MODULE", "PKCS11_PIN"]) {
      expect(run.stdout).to.include(name);
    }
  });

  it("refuses a bad configuration with a message naming the variable, never a secret value", () => {
    const run = keyledger(["serve"], { PORT: "eighty", KEY_PROVIDER: "pkcs11", PKCS11_MODULE: "", PKCS11_PIN: "pin-4711-do-not-print" });
    expect(run.status).to.equal(2);
    expect(run.stderr).to.include("PORT");
    expect(run.stderr).to.include("PKCS11_MODULE");
    expect(run.stderr).not.to.include("pin-4711-do-not-print");
  });

  it("serves on the embedded default, says where, and shuts down gracefully on SIGTERM", async function () {
    const setup = await testConfig("cli-serve");
    try {
      const child = spawn(process.execPath, [bin, "serve"], {
        env: { ...process.env, DATABASE_URL: "", PKCS11_MODULE: "", KEY_PROVIDER: "", PORT: "0", HOST: "127.0.0.1",
          KEYLEDGER_DATA_DIR: setup.config.dataDir, LOG_LEVEL: "info" },
      });
      let output = "";
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on("data", (chunk) => {
          output += chunk;
          const match = /listening on (http:\/\/[^"\s]+)/.exec(output);
          if (match) resolve(match[1]);
        });
        child.on("exit", () => reject(new Error(`exited early: ${output}`)));
      });
      expect((await fetch(`${url}/v1/health`)).status).to.equal(200);
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      child.kill("SIGTERM");
      expect(await exited).to.equal(0);
      expect(output).to.include("stopped");
    } finally {
      await setup.dispose();
    }
  });

  describe("projections", () => {
    let setup: TestConfig;
    const tally = tallyProjection();

    beforeEach(async () => {
      setup = await testConfig("cli-projections");
      const db = await openDatabase(setup.config);
      const store = await openEventStore(setup.config, db);
      for (let i = 0; i < 40; i++) {
        await store.append(`counter-${randomUUID()}`, [{ id: randomUUID(), type: "Counted", data: {} }], "no_stream");
      }
      await store.close();
      await db.close();
    });

    afterEach(() => setup.dispose());

    it("rebuilds a read model blue/green with progress, and reports status", async () => {
      const progress = collect();
      await projectionsRebuildCommand(setup.config, "tally", { projections: [tally], out: progress.stream });
      expect(progress.text()).to.include("tally: rebuilt and live");

      const status = collect();
      await projectionsStatusCommand(setup.config, { projections: [tally], out: status.stream, json: true });
      const [tallyStatus] = JSON.parse(status.text());
      expect(tallyStatus).to.deep.include({ name: "tally", caughtUp: true });
      expect(tallyStatus.live.generation).to.equal(2);
      expect(tallyStatus.live.eventsApplied).to.equal("40");

      const db = await openDatabase(setup.config);
      try {
        expect((await listGenerations(db, "tally")).map((g) => g.status)).to.deep.equal(["live"]);
      } finally {
        await db.close();
      }
    });

    it("names the known read models when asked for an unknown one", async () => {
      const error = await projectionsRebuildCommand(setup.config, "nope", { projections: [tally] }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(UnknownProjection);
      expect((error as Error).message).to.include("tally");
    });
  });
});
