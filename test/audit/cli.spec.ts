import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { PassThrough } from "node:stream";
import { withStores } from "../../src/app/stores.js";
import { auditVerifyCommand } from "../../src/cli/audit.js";
import type { Config } from "../../src/config.js";
import { testConfig, type TestConfig } from "../support/app-config.js";

const bin = new URL("../../bin/keyledger.js", import.meta.url).pathname;

function collect(): { stream: PassThrough; text(): string } {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (chunk) => (text += chunk));
  return { stream, text: () => text };
}

/** The variables that point a `keyledger` process at the same stores as this configuration. */
function environmentOf(config: Config): Record<string, string> {
  const env: Record<string, string> = { KEYLEDGER_DATA_DIR: config.dataDir, LOG_LEVEL: "silent" };
  if (config.databaseUrl) env.DATABASE_URL = config.databaseUrl;
  if (config.keyProvider.kind === "pkcs11") {
    Object.assign(env, { KEY_PROVIDER: "pkcs11", PKCS11_MODULE: config.keyProvider.module, PKCS11_PIN: config.keyProvider.pin,
      PKCS11_TOKEN_LABEL: config.keyProvider.tokenLabel });
  }
  return env;
}

describe("keyledger audit verify", () => {
  let setup: TestConfig;
  const userId = randomUUID();
  const ids = [randomUUID(), randomUUID(), randomUUID()];

  before(async () => {
    setup = await testConfig("audit-cli");
    await withStores(setup.config, async ({ store }) => {
      await store.append(`login-${userId}`, ids.map((id, i) => ({
        id, type: i === 1 ? "LoginFailed" : "LoginSucceeded",
        data: i === 1 ? { method: "password", reason: "wrong_password" } : { method: "password" },
        metadata: { client_ip: "192.0.2.7" },
      })), "no_stream");
    }, { create: true });
  });

  after(async () => {
    await setup?.dispose();
  });

  it("brings the audit log up to the log's head and finds the chain valid, with a progress bar", async () => {
    const out = collect();
    const progress = collect();
    const result = await auditVerifyCommand(setup.config, { out: out.stream, progress: progress.stream });
    expect(result).to.deep.include({ chainValid: true, eventsChecked: 3, eventsVerified: 3, brokenAtEventId: null });
    expect(out.text()).to.equal("audit chain valid: 3 events, 0 signed heads verified\n");
    expect(progress.text()).to.include("verifying audit chain");
  });

  it("names the altered event, and exits with status 1 from the command line", async function () {
    this.timeout(120_000);
    await withStores(setup.config, ({ db }) =>
      db.query(`update eventstore_events set metadata = jsonb_set(metadata, '{client_ip}', '"203.0.113.9"') where event_id = $1`, [ids[1]]));
    const out = collect();
    const result = await auditVerifyCommand(setup.config, { out: out.stream, progress: collect().stream, json: true });
    expect(result).to.deep.include({ chainValid: false, eventsVerified: 1, eventsChecked: 2, brokenAtEventId: ids[1] });
    expect(JSON.parse(out.text())).to.deep.include({ chainValid: false, brokenAtEventId: ids[1] });

    const run = spawnSync(process.execPath, [bin, "audit", "verify"], {
      encoding: "utf8", env: { ...process.env, ...environmentOf(setup.config) }, timeout: 100_000,
    });
    expect(run.status, run.stderr).to.equal(1);
    expect(run.stdout).to.include(`audit chain BROKEN at event ${ids[1]}`);
  });
});
