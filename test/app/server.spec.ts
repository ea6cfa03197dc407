import { expect } from "chai";
import { startServer, type RunningServer } from "../../src/app/server.js";
import { DataDirInUse } from "../../src/app/data-dir-lock.js";
import { createLogger } from "../../src/log.js";
import { testConfig, usesSoftHsm, type TestConfig } from "../support/app-config.js";

const silent = createLogger({ level: "silent" });

describe(`server (${process.env.DATABASE_URL ? "postgres" : "pglite"}, ${usesSoftHsm ? "softhsm" : "local keys"})`, () => {
  let setup: TestConfig;
  let server: RunningServer;

  before(async () => {
    setup = await testConfig("server");
    server = await startServer(setup.config, silent);
  });

  after(async () => {
    await server?.close();
    await setup?.dispose();
  });

  it("answers the health checks with the configured key provider", async () => {
    expect(await (await fetch(`${server.url}/v1/health`)).json()).to.deep.equal(
      { status: "ok", service: "keyledger", version: "0.1.0", database: "ok" });
    const hsm = await (await fetch(`${server.url}/v1/health/hsm`)).json();
    expect(hsm).to.include({ status: "ok", hsm_provider: usesSoftHsm ? "pkcs11" : "local", connected: true });
  });

  it("runs on the configured stores", () => {
    expect(server.store.engine).to.equal(process.env.DATABASE_URL ? "postgres" : "pglite");
    expect(server.keys.kind).to.equal(usesSoftHsm ? "pkcs11" : "local");
  });

  it("exposes request counts and event-store append latency in /metrics", async () => {
    await server.store.append(`probe-${crypto.randomUUID()}`, [{ id: crypto.randomUUID(), type: "Probed", data: {} }], "no_stream");
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).to.match(/^keyledger_eventstore_append_duration_seconds_count 1$/m);
    expect(text).to.include("keyledger_http_requests_total");
  });

  it("documents its routes in /openapi.json", async () => {
    const doc = await (await fetch(`${server.url}/openapi.json`)).json();
    expect(doc.openapi).to.equal("3.1.0");
    expect(doc.paths).to.include.keys(["/v1/health", "/v1/health/hsm"]);
  });

  (process.env.DATABASE_URL ? it.skip : it)("refuses a second server on the same embedded data directory", async () => {
    const error = await startServer(setup.config, silent).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(DataDirInUse);
  });
});
