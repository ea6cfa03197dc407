import { expect } from "chai";
import type { KeyProviderHealth } from "../../src/keys/port.js";
import { healthRoutes } from "../../src/http/routes/health.js";
import pkg from "../../package.json" with { type: "json" };
import { startApp, type Running } from "./harness.js";

type Keys = Parameters<typeof healthRoutes>[0]["keys"];

describe("health routes", () => {
  let app: Running | undefined;
  afterEach(() => app?.http.close());

  async function get(keys: Keys, path: string) {
    app = await startApp(healthRoutes({ keys, timeoutMs: 200 }));
    return (await fetch(`${app.url}${path}`)).json();
  }

  const connected: Keys = { kind: "pkcs11", health: async () => ({ connected: true, description: "pkcs11:SoftHSM" }) };
  const disconnected: Keys = { kind: "pkcs11", health: async () => ({ connected: false, description: "session lost" }) };
  const failing: Keys = {
    kind: "local",
    health: () => Promise.reject(new Error("boom")),
  };
  const silent: Keys = { kind: "pkcs11", health: () => new Promise<KeyProviderHealth>(() => {}) };

  it("reports the service and its version", async () => {
    expect(await get(connected, "/v1/health")).to.deep.equal({ status: "ok", service: "keyledger", version: pkg.version });
  });

  it("reports the service degraded when the key provider is not connected", async () => {
    expect(await get(disconnected, "/v1/health")).to.include({ status: "degraded" });
  });

  it("reports a connected HSM", async () => {
    expect(await get(connected, "/v1/health/hsm")).to.deep.equal({
      status: "ok",
      hsm_provider: "pkcs11",
      connected: true,
      description: "pkcs11:SoftHSM",
    });
  });

  it("reports an HSM that answers without a connection as degraded", async () => {
    expect(await get(disconnected, "/v1/health/hsm")).to.include({ status: "degraded", connected: false });
  });

  it("reports a key provider that fails or does not answer as unavailable", async () => {
    expect(await get(failing, "/v1/health/hsm")).to.include({ status: "unavailable", hsm_provider: "local", connected: false });
    await app!.http.close();
    expect(await get(silent, "/v1/health/hsm")).to.include({ status: "unavailable", connected: false });
  });
});
