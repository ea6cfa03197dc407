/**
 * Requests over the monthly quota, over HTTP against the real server (free tier: 1,000 requests): the 402 of
 * the seeds when there is no way to pay; prepaid credits debited at the tier's rate, oldest first, and never
 * after they expire (the server's clock is moved, not waited for); and x402 end to end with a facilitator
 * that verifies real EIP-3009/EIP-712 signatures made with ethers: 402 -> pay -> 200, a replay refused.
 */
import { expect } from "chai";
import { usageMonth } from "../../commands/rules/billing-tiers.js";
import { Wallet } from "ethers";
import { startTestServer, type TestServer } from "../support/server.js";
import { createUser, type TestUser } from "../support/identity.js";
import { storedEvents } from "../support/events.js";
import { signPayment, startTestFacilitator, TRANSFER_WITH_AUTHORIZATION, domainOf, type TestFacilitator } from "../support/x402-facilitator.js";

const PAY_TO = "0x1111111111111111111111111111111111111111";
const USDC_ON_BASE = "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913";
const DAY = 86_400_000;

describe("requests over the quota", function () {
  let server: TestServer;
  let facilitator: TestFacilitator;
  let operator: TestUser;

  before(async () => {
    facilitator = await startTestFacilitator();
    server = await startTestServer("billing-overage", { billing: { defaultTier: "free", operatorEmails: [],
      x402: { facilitatorUrl: facilitator.url, payTo: PAY_TO, network: "eip155:8453", asset: USDC_ON_BASE } } });
    operator = await createUser(server);
    (server.config.billing.operatorEmails as string[]).push(operator.email);
  });
  after(async () => {
    await server?.close();
    await facilitator?.close().catch(() => undefined);
  });

  const list = (user: TestUser, headers: Record<string, string> = {}) =>
    server.request("GET", "/v1/vaults", { token: user.accessToken, headers });

  /** Spends `n` requests of the month's quota, 25 at a time. */
  async function burn(user: TestUser, n: number): Promise<void> {
    for (let done = 0; done < n; done += 25) {
      const answers = await Promise.all(Array.from({ length: Math.min(25, n - done) }, () => list(user)));
      for (const answer of answers) expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
    }
  }

  /** After the clock moved past the access token's life. */
  async function signInAgain(user: TestUser): Promise<void> {
    const login = await server.request("POST", "/v1/auth/token", { body: { email: user.email, password: user.password } });
    expect(login.status).to.equal(200);
    user.accessToken = login.body.access_token;
  }

  const ledger = async (user: TestUser) =>
    (await server.request("GET", "/v1/billing/credits/transactions", { token: user.accessToken })).body.transactions
      .map((t: { type: string; amount_cents: number; balance_after_cents: number }) => [t.type, t.amount_cents, t.balance_after_cents]);

  /**
   * Debits and expiries are in the log before the request they pay for is answered; the ledger is a read model
   * that follows the log, so it is read until it shows them (or 10 s have passed).
   */
  async function expectLedger(user: TestUser, expected: unknown[]): Promise<void> {
    const deadline = Date.now() + 10_000;
    let entries = await ledger(user);
    while (JSON.stringify(entries) !== JSON.stringify(expected) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      entries = await ledger(user);
    }
    expect(entries).to.deep.equal(expected);
  }

  describe("with prepaid credits", () => {
    let user: TestUser;
    before(async () => {
      user = await createUser(server);
    });

    it("warns above 80 % and answers 402 with the seeds' message once the quota is used and there are no credits", async () => {
      await burn(user, 809);
      const warned = await list(user);
      expect(warned.headers.get("x-ratelimit-requests-used")).to.equal("810");
      expect(warned.headers.get("x-ratelimit-requests-percent")).to.equal("81");
      expect(warned.headers.get("x-quota-warning")).to.match(/81%/);
      await burn(user, 190);
      const refused = await list(user);
      expect(refused.status).to.equal(402);
      expect(refused.body).to.include({ status: 402, required_usd: "0.001" });
      expect(refused.body.detail).to.match(/^Free tier quota exhausted: 1000 of 1000 requests used this month/);
      expect(refused.body.detail).to.match(/prepaid credits|x402/);
      expect(refused.body.message).to.equal(refused.body.detail);
      expect(refused.headers.get("x-ratelimit-requests-used")).to.equal("1000");
      // Refused requests are not counted.
      const usage = await server.request("GET", "/v1/billing/usage", { token: user.accessToken });
      expect(usage.body.current_month.total_requests).to.equal(1000);
    });

    it("debits granted credits at the free tier's rate ($0.001 a request) in blocks of 10, recorded in the ledger", async () => {
      const owner = await server.request("POST", `/v1/admin/orgs/${user.orgId}/credits`, { token: user.accessToken, body: { amount_cents: 5 } });
      expect(owner.status, "an organisation's owner cannot grant itself credits").to.equal(403);
      const grant = await server.request("POST", `/v1/admin/orgs/${user.orgId}/credits`, { token: operator.accessToken, body: { amount_cents: 5 } });
      expect(grant.status, JSON.stringify(grant.body)).to.equal(201);
      const paid = await list(user);
      expect(paid.status).to.equal(200);
      expect(paid.headers.get("x-credit-balance-cents")).to.equal("4");
      expect(paid.headers.get("x-ratelimit-requests-used")).to.equal("1001");
      await burn(user, 19);
      await expectLedger(user, [["usage", -1, 3], ["usage", -1, 4], ["topup", 5, 5]]);
      const balance = await server.request("GET", "/v1/billing/credits/balance", { token: user.accessToken });
      expect(balance.body).to.deep.include({ balance_cents: 3, balance_usd: "0.03", balance_micro_usd: 30_000 });
      const usage = await server.request("GET", "/v1/billing/usage", { token: user.accessToken });
      expect(usage.body.current_month).to.deep.equal({ total_requests: 1020, paid_requests: 20, free_requests: 1000, total_cost_usd: "0.02" });
      const history = await server.request("GET", "/v1/billing/history?limit=1", { token: user.accessToken });
      expect(history.body.events[0]).to.include({ is_paid: true, price_usd: "0.001", status_code: 200 });
      const debits = await storedEvents(server.server.store, { type: "CreditsDebited", where: (d) => d.org_id === user.orgId });
      expect(debits.map((e) => [e.data.requests, e.data.amount_micro_usd])).to.deep.equal([[10, 10_000], [10, 10_000]]);
    });

    it("flags credits expiring within 30 days, and never spends them after their 12 months (server clock)", async () => {
      server.clock.advance(355 * DAY);
      const soonMonth = usageMonth(server.clock.now());
      await signInAgain(user);
      const soon = await list(user);
      expect(soon.status).to.equal(200);
      expect(soon.headers.get("x-credit-expiring-soon")).to.equal("3");
      const balance = await server.request("GET", "/v1/billing/credits/balance", { token: user.accessToken });
      expect(balance.body.expiring_within_90_days.amount_cents).to.equal(3);
      expect(balance.body.expiring_within_30d_cents).to.equal(3);

      server.clock.advance(11 * DAY); // a year and a day after the grant
      // The free quota is monthly: the request above counts only if this is still its calendar month, which
      // depends on the day the suite runs.
      const quotaLeft = usageMonth(server.clock.now()) === soonMonth ? 999 : 1000;
      await signInAgain(user);
      expect((await server.request("GET", "/v1/billing/credits/balance", { token: user.accessToken })).body.balance_cents).to.equal(0);
      await burn(user, quotaLeft);
      const refused = await list(user);
      expect(refused.status).to.equal(402);
      await expectLedger(user, [["expiry", -3, 0], ["usage", -1, 3], ["usage", -1, 4], ["topup", 5, 5]]);
    });
  });

  describe("with x402", () => {
    let user: TestUser;
    let vaultId: string;
    const payer = Wallet.createRandom();
    const secretPath = () => `/v1/vaults/${vaultId}/secrets/api/key`;
    const read = (headers: Record<string, string> = {}) => server.request("GET", secretPath(), { token: user.accessToken, headers });

    before(async () => {
      user = await createUser(server);
      vaultId = (await server.request("POST", "/v1/vaults", { token: user.accessToken, body: { name: "paid" } })).body.id;
      expect((await server.request("PUT", secretPath(), { token: user.accessToken, body: { type: "api_key", value: "sk-paid" } })).status).to.equal(201);
      expect((await server.request("PATCH", "/v1/billing/overage-method", { token: user.accessToken, body: { method: "x402" } })).status).to.equal(200);
      await burn(user, 998); // with the vault and the secret: 1,000
    });

    it("answers 402 with the x402 body, in both field sets, until an X-PAYMENT is sent", async () => {
      const challenge = await read();
      expect(challenge.status).to.equal(402);
      expect(challenge.headers.get("x-overage-method")).to.equal("x402");
      expect(challenge.body).to.include({ x402Version: 1, error: "X-PAYMENT header is required", status: 402, required_usd: "0.0015" });
      expect(challenge.body.accepts).to.deep.equal([{
        scheme: "exact", network: "eip155:8453", maxAmountRequired: "1500", resource: `${server.url}${secretPath()}`,
        description: "GET /v1/vaults/{vault_id}/secrets/{path+}", mimeType: "application/json", payTo: PAY_TO,
        maxTimeoutSeconds: 60, asset: USDC_ON_BASE, extra: { name: "USD Coin", version: "2" }, price: "0.0015",
        requiredDeadlineSeconds: 60,
      }]);
    });

    it("serves the request paid with a signed EIP-3009 authorization (base64 X-PAYMENT), and refuses its replay", async () => {
      const requirements = (await read()).body.accepts[0];
      const payment = Buffer.from(JSON.stringify(await signPayment(payer, requirements))).toString("base64");
      const paid = await read({ "X-PAYMENT": payment });
      expect(paid.status, JSON.stringify(paid.body)).to.equal(200);
      expect(paid.body.value).to.equal("sk-paid");
      expect(paid.headers.get("x-ratelimit-requests-used")).to.equal("1001");
      const replay = await read({ "X-PAYMENT": payment });
      expect(replay.status).to.equal(402);
      expect(replay.body.error).to.match(/nonce_already_used/);
      expect(replay.body.value).to.equal(undefined);
      // On PostgreSQL a read of the whole log stops before positions still in flight (the meter's counts): wait past them.
      await server.server.runner.waitFor(await server.server.store.headPosition(), 10_000);
      const settled = await storedEvents(server.server.store, { type: "X402PaymentSettled", where: (d) => d.org_id === user.orgId });
      expect(settled).to.have.length(1);
      expect(settled[0].data).to.include({ payer: payer.address, amount_atomic: "1500", pay_to: PAY_TO, resource: `${server.url}${secretPath()}` });
    });

    it("accepts the raw JSON X-PAYMENT of the 1claw SDK", async () => {
      const requirements = (await read()).body.accepts[0];
      const paid = await read({ "X-PAYMENT": JSON.stringify(await signPayment(payer, requirements)) });
      expect(paid.status).to.equal(200);
      const history = await server.request("GET", "/v1/billing/history?limit=1", { token: user.accessToken });
      expect(history.body.events[0]).to.include({ is_paid: true, price_usd: "0.0015", endpoint: "/v1/vaults/{vault_id}/secrets/{path+}" });
    });

    it("refuses a forged signature, an underpayment and a header that is no payment", async () => {
      const requirements = (await read()).body.accepts[0];
      const forger = Wallet.createRandom();
      const genuine = await signPayment(payer, requirements);
      const forgedSignature = await forger.signTypedData(domainOf(requirements), TRANSFER_WITH_AUTHORIZATION, genuine.payload.authorization);
      const forged = await read({ "X-PAYMENT": JSON.stringify({ ...genuine, payload: { ...genuine.payload, signature: forgedSignature } }) });
      expect(forged.status).to.equal(402);
      expect(forged.body.error).to.match(/signature/);
      const under = await read({ "X-PAYMENT": JSON.stringify(await signPayment(payer, requirements, { value: "1" })) });
      expect(under.status).to.equal(402);
      expect(under.body.error).to.match(/value/);
      const garbage = await read({ "X-PAYMENT": "not a payment" });
      expect(garbage.status).to.equal(402);
      expect(garbage.body.error).to.match(/neither base64 nor JSON/);
      expect(facilitator.settled.size).to.equal(2);
    });

    it("answers 503, and serves nothing, when the facilitator does not answer", async () => {
      const requirements = (await read()).body.accepts[0];
      await facilitator.close();
      const down = await read({ "X-PAYMENT": JSON.stringify(await signPayment(payer, requirements)) });
      expect(down.status).to.equal(503);
      expect(down.body.detail).to.match(/facilitator is not answering; nothing was charged/);
      expect(down.body.value).to.equal(undefined);
    });
  });
});
