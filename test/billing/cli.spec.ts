/**
 * `keyledger org set-tier` and `keyledger credits grant`: operator commands on this machine's stores. The
 * server, started again on the same stores, answers with the tier and the credits they recorded.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { PassThrough } from "node:stream";
import { startServer } from "../../src/app/server.js";
import { creditsGrantCommand, InvalidBillingOptions, orgSetTierCommand, parseUsd } from "../../src/cli/billing.js";
import { userCreateCommand } from "../../src/cli/user.js";
import { createLogger } from "../../src/log.js";
import { testConfig, type TestConfig } from "../support/app-config.js";
import { storedEvents } from "../support/events.js";

const bin = new URL("../../bin/keyledger.js", import.meta.url).pathname;

describe("keyledger org set-tier / credits grant", () => {
  let setup: TestConfig;
  before(async () => { setup = await testConfig("billing-cli"); });
  after(async () => setup?.dispose());

  const printed = () => {
    const out = new PassThrough();
    let text = "";
    out.on("data", (chunk) => (text += chunk));
    return { out, text: () => text };
  };

  async function signIn(url: string, email: string, password: string): Promise<string> {
    const login = await fetch(`${url}/v1/auth/token`, { method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password }) });
    expect(login.status).to.equal(200);
    return (await login.json()).access_token;
  }

  it("records the tier and the grant as an operator, and the server serves them", async () => {
    const email = "owner@billing-cli.test";
    const password = "bootstrap password";
    const { orgId } = await userCreateCommand(setup.config, { email, password }, new PassThrough());
    // The organisation is in the read models once a server has run on the store.
    let server = await startServer(setup.config, createLogger({ level: "silent" }));
    await server.runner.waitFor(await server.store.headPosition(), 10_000);
    await server.close();

    const tier = printed();
    await orgSetTierCommand(setup.config, { org: orgId, tier: "pro", days: "30" }, tier.out);
    expect(tier.text()).to.match(new RegExp(`org_id: ${orgId}\ntier: pro\nperiod_end: \\d{4}-`));
    const grant = printed();
    await creditsGrantCommand(setup.config, { org: orgId, amount: "2.50", description: "welcome credit" }, grant.out);
    expect(grant.text()).to.include("amount_usd: 2.5\n").and.include("balance_usd: 2.5\n");

    server = await startServer(setup.config, createLogger({ level: "silent" }));
    try {
      const events = (await storedEvents(server.store, { category: "billing" })) as Array<{ type: string; data: any }>;
      expect(events.map((e) => [e.type, e.data.set_by?.type ?? e.data.granted_by?.type])).to.deep.equal(
        [["BillingTierSet", "operator"], ["CreditsGranted", "operator"]]);
      expect(events[0].data.set_by.id).to.match(/^cli:/);
      await server.runner.waitFor(await server.store.headPosition(), 10_000);
      const token = await signIn(server.url, email, password);
      const sub = await (await fetch(`${server.url}/v1/billing/subscription`, { headers: { authorization: `Bearer ${token}` } })).json();
      expect(sub).to.deep.include({ tier: "pro", credit_balance_cents: 250, credit_balance_usd: "2.5" });
      const ledger = await (await fetch(`${server.url}/v1/billing/credits/transactions`, { headers: { authorization: `Bearer ${token}` } })).json();
      expect(ledger.transactions).to.have.length(1);
      expect(ledger.transactions[0]).to.include({ type: "topup", amount_cents: 250, balance_after_cents: 250, description: "welcome credit" });
    } finally {
      await server.close();
    }
  });

  it("refuses bad options before touching the store", async () => {
    const org = "6f1c2b5e-1d2a-4c3b-9a8f-0e1d2c3b4a59";
    for (const run of [
      () => orgSetTierCommand(setup.config, { org: "nope", tier: "pro" }),
      () => orgSetTierCommand(setup.config, { org, tier: "platinum" }),
      () => orgSetTierCommand(setup.config, { org, tier: "pro", days: "0" }),
      () => creditsGrantCommand(setup.config, { org, amount: "-5" }),
      () => creditsGrantCommand(setup.config, { org, amount: "0.001" }),
    ]) {
      let refused: unknown;
      await run().catch((error: unknown) => { refused = error; });
      expect(refused).to.be.instanceOf(InvalidBillingOptions);
    }
    expect(parseUsd("5")).to.equal(5_000_000);
    expect(parseUsd("0.015")).to.equal(15_000);
  });

  it("is wired into the keyledger binary", () => {
    const run = spawnSync(process.execPath, [bin, "org", "set-tier", "--org", "x", "--tier", "pro"],
      { encoding: "utf8", env: { ...process.env, KEYLEDGER_DATA_DIR: setup.config.dataDir, DATABASE_URL: "", PKCS11_MODULE: "", KEY_PROVIDER: "" },
        timeout: 60_000 });
    expect(run.status).to.equal(2);
    expect(run.stderr).to.include("--org must be an organisation id");
    const help = spawnSync(process.execPath, [bin, "credits", "grant", "--help"], { encoding: "utf8", timeout: 60_000 });
    expect(help.stdout).to.include("--amount <usd>");
  });
});
