/**
 * The usage count's crash-loss bound: requests are counted in memory and recorded once a second, so a
 * SIGKILL may lose at most the requests answered in the last second before it. Requests answered more than a
 * second before the kill are all in the count the restarted server reports; none is counted twice.
 */
import { expect } from "chai";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ChildServer, expectStatus, signUpThroughOutbox } from "../support/child-server.js";
import { freshPostgres, postgresServerUrl, type TestDatabase } from "../support/databases.js";

describe("usage counting across a crash", function () {
  this.timeout(600_000);
  let database: TestDatabase | undefined;
  let dataDir: string;
  let server: ChildServer | undefined;

  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "keyledger-usage-crash-"));
    if (postgresServerUrl) database = await freshPostgres();
  });
  after(async () => {
    await server?.kill();
    await database?.dispose();
    await rm(dataDir, { recursive: true, force: true });
  });

  const env = () => ({
    DATABASE_URL: database?.url ?? "", KEYLEDGER_DATA_DIR: dataDir, LOG_LEVEL: "warn", KEY_PROVIDER: "local", PKCS11_MODULE: "",
    RATE_LIMIT_AUTH_BURST: "100000", RATE_LIMIT_AUTH_PER_SECOND: "100000", KEYLEDGER_DEFAULT_TIER: "free",
  });

  it("keeps every request answered more than a second before a SIGKILL, and loses at most the last second's", async () => {
    server = await ChildServer.spawn(env());
    await server.waitHealthy(170_000);
    const { email, password, token } = await signUpThroughOutbox(server.url, dataDir);
    const before = 30;
    for (let i = 0; i < before; i++) await expectStatus(server.request("GET", "/v1/vaults", { token }), 200, "list");
    await new Promise((resolve) => setTimeout(resolve, 2_000)); // one flush interval (1 s), and time for that append on a loaded machine
    const late = 10;
    for (let i = 0; i < late; i++) await expectStatus(server.request("GET", "/v1/vaults", { token }), 200, "list");
    await server.kill();

    server = await ChildServer.spawn(env(), server.port);
    await server.waitHealthy(170_000);
    const login = await expectStatus(server.request("POST", "/v1/auth/token", { body: { email, password } }), 200, "login");
    const usage = await expectStatus(server.request("GET", "/v1/billing/usage", { token: login.access_token }), 200, "usage");
    const counted = usage.current_month.total_requests as number;
    expect(counted).to.be.at.least(before).and.at.most(before + late);
    const next = await server.request("GET", "/v1/vaults", { token: login.access_token });
    expect(next.status).to.equal(200);
    const used = Number((await fetch(`${server.url}/v1/vaults`, { headers: { authorization: `Bearer ${login.access_token}` } }))
      .headers.get("x-ratelimit-requests-used"));
    expect(used).to.equal(counted + 2);
  });
});
