/**
 * Issue 9, point 2: an event a projection cannot apply (here written straight to the log, as older code
 * could have: an organisation id too long for the audit log's index on it) is visible in health, a metric
 * and a log line naming the event; it does not hold up read-your-writes of the other read models; and
 * `keyledger audit verify` and `keyledger replay` report it as a failure in bounded time.
 */
import { expect } from "chai";
import { randomBytes, randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import { startServer, type RunningServer } from "../../src/app/server.js";
import { auditVerifyCommand } from "../../src/cli/audit.js";
import { replayCommand } from "../../src/cli/replay.js";
import { createLogger } from "../../src/log.js";
import { testConfig, type TestConfig } from "../support/app-config.js";

/**
 * An event only the audit log fails on: it files entries by organisation, and an id of 5,336 random characters
 * does not fit a B-tree index entry (2,704 bytes at most; random text does not compress), while the log keeps
 * event data as jsonb, which it does not index. No other read model handles an event of an unknown type.
 */
const unfileable = () => ({ org_id: randomBytes(4000).toString("base64") });

const sink = () => {
  let text = "";
  return { stream: new Writable({ write(chunk, _e, done) { text += chunk; done(); } }), text: () => text };
};

describe("a projection that cannot apply an event (issue 9: 2)", function () {
  this.timeout(180_000);
  let setup: TestConfig;
  let server: RunningServer | undefined;
  const logs = sink();
  const poisonId = randomUUID();

  before(async () => {
    setup = await testConfig("stuck-projection");
    server = await startServer({ ...setup.config, readYourWritesTimeoutMs: 10_000 },
      createLogger({ level: "info", destination: logs.stream }));
  });
  after(async () => {
    await server?.close();
    await setup?.dispose();
  });

  const call = async (method: string, path: string, options: { token?: string; body?: unknown } = {}) => {
    const response = await fetch(`${server!.url}${path}`, {
      method, body: options.body === undefined ? undefined : JSON.stringify(options.body),
      headers: { ...(options.body !== undefined && { "content-type": "application/json" }),
        ...(options.token && { authorization: `Bearer ${options.token}` }) },
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };

  it("names the event in health, a metric and the log, and keeps other writes' read-your-writes", async () => {
    await server!.store.append(`probe-${randomUUID()}`, [{ id: poisonId, type: "LegacyNote", data: unfileable() }], "no_stream");
    let health: { status: number; body: any } | undefined;
    // Three failures in a row on one event, a second apart, make it stuck.
    for (let i = 0; i < 300; i++) {
      health = await call("GET", "/v1/health");
      if (health.body.projections_failing) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(health!.body.status).to.equal("degraded");
    expect(health!.body.projections_failing).to.deep.include({ projection: "audit_events", event_id: poisonId });
    expect(logs.text()).to.match(new RegExp(`"event_id":"${poisonId}".*projection batch failed`));
    const metrics = await (await fetch(`${server!.url}/metrics`)).text();
    expect(metrics).to.match(/keyledger_projection_event_failures_total\{projection="audit_events"\} [1-9]/);

    // Writes after it: answered without waiting out the read-your-writes timeout, and read back at once.
    const email = `stuck-${randomUUID()}@example.test`;
    const started = Date.now();
    const signup = await call("POST", "/v1/auth/signup", { body: { email, password: `pw-${randomUUID()}` } });
    expect(signup.status).to.equal(200);
    expect(Date.now() - started).to.be.below(5_000);
  });

  it("makes `keyledger audit verify` and `keyledger replay` fail in bounded time, naming the event", async () => {
    await server!.close();
    server = undefined;
    const config = { ...setup.config, logLevel: "silent" as const };
    const verifyOut = sink();
    let started = Date.now();
    const verified = await auditVerifyCommand(config, { out: verifyOut.stream, progress: sink().stream, catchUpTimeoutMs: 60_000 });
    expect(Date.now() - started).to.be.below(30_000);
    expect(verified.chainValid).to.equal(false);
    expect(verified.brokenAtEventId).to.equal(poisonId);
    expect(verifyOut.text()).to.contain(`BROKEN at event ${poisonId}`);

    const replayOut = sink();
    started = Date.now();
    const replayed = await replayCommand(config, { out: replayOut.stream, progress: sink().stream });
    expect(Date.now() - started).to.be.below(60_000);
    expect(replayed.equal).to.equal(false);
    const audit = replayed.projections.find((p) => p.name === "audit_events")!;
    expect(audit.stuck).to.contain(poisonId);
    expect(replayOut.text()).to.contain("STUCK").and.contain(poisonId);
  });
});
