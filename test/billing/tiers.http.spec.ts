/**
 * Tiers over HTTP against the real server: the install's default tier, operators (and only they) changing an
 * organisation's tier, the seeds' limits on vaults, secrets and agents (403 resource_limit_exceeded, exact
 * when creations race), the quota headers, the billing routes' shapes through the SDK, and Stripe's routes.
 */
import { expect } from "chai";
import { randomUUID } from "node:crypto";
import { createClient } from "../../src/sdk/index.js";
import { createUser, type TestUser } from "../support/identity.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { storedEvents } from "../support/events.js";
import { MAX_REQUESTS_PER_FACT } from "../../src/billing/usage-meter.js";
import { ok } from "../sdk/fixtures.js";

const SEED_TIERS = {
  free: { requests: 1_000, vaults: 3, secrets: 50, agents: 2 },
  pro: { requests: 25_000, vaults: 25, secrets: 500, agents: 10 },
  business: { requests: 100_000, vaults: 100, secrets: 5_000, agents: 50 },
  enterprise: { requests: -1, vaults: -1, secrets: -1, agents: -1 },
} as const;

describe("billing tiers over HTTP", function () {
  let server: TestServer;
  let operator: TestUser;

  before(async () => {
    server = await startTestServer("billing-tiers");
    operator = await createUser(server);
    // The operator list is the server's environment: restart-free here by setting it on the running config.
    (server.config.billing.operatorEmails as string[]).push(operator.email);
  });
  after(async () => server?.close());

  const setTier = (orgId: string, tier: string, token = operator.accessToken, body: Record<string, unknown> = {}) =>
    server.request("PUT", `/v1/admin/orgs/${orgId}/billing-tier`, { token, body: { tier, ...body } });

  async function onTier(tier: keyof typeof SEED_TIERS): Promise<TestUser> {
    const user = await createUser(server);
    const set = await setTier(user.orgId, tier);
    expect(set.status, JSON.stringify(set.body)).to.equal(200);
    return user;
  }

  const createVault = (user: TestUser, name = `v-${randomUUID().slice(0, 8)}`) =>
    server.request("POST", "/v1/vaults", { token: user.accessToken, body: { name } });

  it("starts every organisation on the install's default tier (enterprise: unlimited, still counted)", async () => {
    const user = await createUser(server);
    const sub = await server.request("GET", "/v1/billing/subscription", { token: user.accessToken });
    expect(sub.status).to.equal(200);
    expect(sub.body).to.deep.include({ tier: "enterprise", status: "active", overage_method: "credits", credit_balance_cents: 0,
      credit_balance_usd: "0" });
    expect(sub.body.usage.vaults).to.deep.equal({ used: 0, limit: -1 });
    const listing = await server.request("GET", "/v1/vaults", { token: user.accessToken });
    expect(listing.headers.get("x-ratelimit-requests-limit")).to.equal("unlimited");
    expect(listing.headers.get("x-ratelimit-requests-used")).to.equal("1");
  });

  it("lets only operators change a tier: the organisation's owner gets 403, an operator 200 with the period", async () => {
    const owner = await createUser(server);
    const refused = await setTier(owner.orgId, "business", owner.accessToken);
    expect(refused.status).to.equal(403);
    expect(refused.body.detail).to.match(/operators/);
    const set = await setTier(owner.orgId, "business", operator.accessToken, { duration_days: 30 });
    expect(set.status).to.equal(200);
    expect(set.body.tier).to.equal("business");
    expect(new Date(set.body.period_end).getTime() - server.clock.now().getTime()).to.be.closeTo(30 * 86_400_000, 60_000);
    const events = await storedEvents(server.server.store, { type: "BillingTierSet", where: (d) => d.org_id === owner.orgId });
    expect(events.map((e) => e.data.set_by)).to.deep.equal([{ type: "operator", id: operator.email }]);
    expect((await setTier(randomUUID(), "pro")).status).to.equal(404);
    expect((await setTier(owner.orgId, "platinum")).status).to.equal(400);
  });

  it("reports each tier's seed limits in the subscription", async () => {
    for (const [tier, limits] of Object.entries(SEED_TIERS)) {
      const user = await onTier(tier as keyof typeof SEED_TIERS);
      const sub = await server.request("GET", "/v1/billing/subscription", { token: user.accessToken });
      expect(sub.body.tier).to.equal(tier);
      expect(sub.body.usage.requests.limit, tier).to.equal(limits.requests);
      expect(sub.body.usage.vaults.limit, tier).to.equal(limits.vaults);
      expect(sub.body.usage.secrets.limit, tier).to.equal(limits.secrets);
      expect(sub.body.usage.agents.limit, tier).to.equal(limits.agents);
      const usage = await server.request("GET", "/v1/billing/usage", { token: user.accessToken });
      expect(usage.body.billing_tier).to.equal(tier);
      expect(usage.body.free_tier_limit).to.equal(limits.requests);
    }
  });

  it("refuses the 4th vault on free with 403 resource_limit_exceeded naming count, limit and tier; a deletion frees a slot", async () => {
    const user = await onTier("free");
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const made = await createVault(user);
      expect(made.status, JSON.stringify(made.body)).to.equal(201);
      ids.push(made.body.id);
    }
    const refused = await createVault(user);
    expect(refused.status).to.equal(403);
    expect(refused.body).to.deep.equal({ type: "resource_limit_exceeded", title: "Resource Limit Exceeded", status: 403,
      detail: "Vault limit reached (3/3 on free tier). Upgrade your plan for more." });
    expect((await server.request("DELETE", `/v1/vaults/${ids[0]}`, { token: user.accessToken })).status).to.equal(204);
    expect((await createVault(user)).status).to.equal(201);
    const sub = await server.request("GET", "/v1/billing/subscription", { token: user.accessToken });
    expect(sub.body.usage.vaults).to.deep.equal({ used: 3, limit: 3 });
  });

  it("refuses the 3rd agent on free, and the 51st secret (new versions of a secret do not count)", async () => {
    const user = await onTier("free");
    for (let i = 0; i < 2; i++) {
      expect((await server.request("POST", "/v1/agents", { token: user.accessToken, body: { name: `a${i}` } })).status).to.equal(201);
    }
    const third = await server.request("POST", "/v1/agents", { token: user.accessToken, body: { name: "a2" } });
    expect(third.status).to.equal(403);
    expect(third.body.type).to.equal("resource_limit_exceeded");
    expect(third.body.detail).to.equal("Agent limit reached (2/2 on free tier). Upgrade your plan for more.");

    const vault = (await createVault(user)).body.id as string;
    const put = (path: string, value = "v") =>
      server.request("PUT", `/v1/vaults/${vault}/secrets/${path}`, { token: user.accessToken, body: { type: "api_key", value } });
    for (let i = 0; i < 50; i++) expect((await put(`s/${i}`)).status).to.equal(201);
    expect((await put("s/0", "new version")).status).to.equal(201);
    const refused = await put("s/50");
    expect(refused.status).to.equal(403);
    expect(refused.body.detail).to.equal("Secret limit reached (50/50 on free tier). Upgrade your plan for more.");
    expect((await server.request("DELETE", `/v1/vaults/${vault}/secrets/s/1`, { token: user.accessToken })).status).to.equal(204);
    expect((await put("s/50")).status).to.equal(201);
    // A deleted vault's secrets give their slots back with it.
    expect((await server.request("DELETE", `/v1/vaults/${vault}`, { token: user.accessToken })).status).to.equal(204);
    const sub = await server.request("GET", "/v1/billing/subscription", { token: user.accessToken });
    expect(sub.body.usage.secrets).to.deep.equal({ used: 0, limit: 50 });
  });

  it("is exact under concurrency: 20 parallel creations at limit - 1 give exactly one success", async () => {
    const user = await onTier("free");
    for (let i = 0; i < 2; i++) expect((await createVault(user)).status).to.equal(201);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => createVault(user, `race-${i}`)));
    expect(answers.filter((a) => a.status === 201)).to.have.length(1);
    expect(answers.filter((a) => a.status === 403 && a.body.type === "resource_limit_exceeded")).to.have.length(19);
    const listed = await server.request("GET", "/v1/vaults", { token: user.accessToken });
    expect(listed.body.vaults).to.have.length(3);

    const owner = await onTier("free");
    const ownVault = (await createVault(owner)).body.id as string;
    for (let i = 0; i < 49; i++) {
      const put = await server.request("PUT", `/v1/vaults/${ownVault}/secrets/k${i}`, { token: owner.accessToken, body: { type: "api_key", value: "x" } });
      expect(put.status).to.equal(201);
    }
    const secrets = await Promise.all(Array.from({ length: 20 }, (_, i) => server.request("PUT",
      `/v1/vaults/${ownVault}/secrets/race/${i}`, { token: owner.accessToken, body: { type: "api_key", value: "x" } })));
    expect(secrets.filter((a) => a.status === 201)).to.have.length(1);
    expect(secrets.filter((a) => a.status === 403)).to.have.length(19);

    const manager = await onTier("free");
    expect((await server.request("POST", "/v1/agents", { token: manager.accessToken, body: { name: "first" } })).status).to.equal(201);
    const agents = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      server.request("POST", "/v1/agents", { token: manager.accessToken, body: { name: `race-${i}` } })));
    expect(agents.filter((a) => a.status === 201)).to.have.length(1);
    expect(agents.filter((a) => a.status === 403 && a.body.type === "resource_limit_exceeded")).to.have.length(19);
    expect((await server.request("GET", "/v1/agents", { token: manager.accessToken })).body.agents).to.have.length(2);
  });

  it("puts the quota headers on every authenticated response, errors and free routes included", async () => {
    const user = await onTier("pro");
    const first = await server.request("GET", "/v1/vaults", { token: user.accessToken });
    expect(first.headers.get("x-ratelimit-requests-limit")).to.equal("25000");
    expect(first.headers.get("x-ratelimit-requests-used")).to.equal("1");
    expect(first.headers.get("x-ratelimit-requests-percent")).to.equal("0");
    expect(first.headers.get("x-credit-balance-cents")).to.equal("0");
    expect(first.headers.get("x-overage-method")).to.equal("credits");
    expect(first.headers.get("x-quota-warning")).to.equal(null);
    const missing = await server.request("GET", `/v1/vaults/${randomUUID()}`, { token: user.accessToken });
    expect(missing.status).to.equal(404);
    expect(missing.headers.get("x-ratelimit-requests-used")).to.equal("2");
    // Free routes (billing, audit, org, security, auth) carry the headers and do not count.
    const free = await server.request("GET", "/v1/billing/usage", { token: user.accessToken });
    expect(free.headers.get("x-ratelimit-requests-used")).to.equal("2");
    expect(free.body.current_month).to.deep.equal({ total_requests: 2, paid_requests: 0, free_requests: 2, total_cost_usd: "0" });
    expect((await server.request("GET", "/v1/audit/events", { token: user.accessToken })).headers.get("x-ratelimit-requests-used")).to.equal("2");
    expect((await server.request("GET", "/v1/vaults")).headers.get("x-ratelimit-requests-used")).to.equal(null);
    const history = await server.request("GET", "/v1/billing/history?limit=10", { token: user.accessToken });
    expect(history.body.events.map((e: { endpoint: string; status_code: number }) => `${e.endpoint} ${e.status_code}`))
      .to.have.members(["/v1/vaults 200", "/v1/vaults/{vault_id} 404"]);
    expect(history.body.events[0]).to.include({ principal_type: "user", principal_id: user.userId, method: "GET", price_usd: "0", is_paid: false });
  });

  it("records counted requests in facts of at most MAX_REQUESTS_PER_FACT each, none lost or counted twice", async () => {
    const user = await createUser(server);
    const requests = 2 * MAX_REQUESTS_PER_FACT + 150;
    for (let sent = 0; sent < requests; sent += 25) {
      const answers = await Promise.all(Array.from({ length: Math.min(25, requests - sent) },
        () => server.request("GET", "/v1/vaults", { token: user.accessToken })));
      expect(answers.every((answer) => answer.status === 200)).to.equal(true);
    }
    // The billing routes record what waits before they answer.
    const usage = await server.request("GET", "/v1/billing/usage", { token: user.accessToken });
    expect(usage.body.current_month.total_requests).to.equal(requests);
    const facts = await storedEvents(server.server.store, { type: "RequestsCounted", where: (data) => data.org_id === user.orgId });
    const sizes = facts.map((fact) => (fact.data.requests as unknown[]).length);
    expect(Math.max(...sizes)).to.be.at.most(MAX_REQUESTS_PER_FACT);
    expect(sizes.reduce((sum, size) => sum + size, 0)).to.equal(requests);
    const ids = facts.flatMap((fact) => (fact.data.requests as { id: string }[]).map((request) => request.id));
    expect(new Set(ids).size).to.equal(requests);
  });

  it("serves the billing routes through the SDK, and sets the overage method by `method` or `overage_method`", async () => {
    const user = await onTier("pro");
    const client = createClient({ baseUrl: server.url, token: user.accessToken });
    expect(ok(await client.billing.subscription()).tier).to.equal("pro");
    expect(ok(await client.billing.usage()).billing_tier).to.equal("pro");
    expect(ok(await client.billing.history(5)).events).to.be.an("array");
    expect(ok(await client.billing.creditBalance())).to.deep.include({ balance_cents: 0, balance_usd: "0" });
    expect(ok(await client.billing.creditTransactions())).to.deep.include({ transactions: [], page: 1, limit: 50 });
    expect(ok(await client.billing.setOverageMethod("x402")).overage_method).to.equal("x402");
    const patched = await server.request("PATCH", "/v1/billing/overage-method", { token: user.accessToken, body: { overage_method: "credits" } });
    expect(patched.body).to.deep.equal({ overage_method: "credits" });
    expect((await server.request("PATCH", "/v1/billing/overage-method", { token: user.accessToken, body: {} })).status).to.equal(400);
    expect((await server.request("PATCH", "/v1/billing/overage-method", { token: user.accessToken, body: { method: "card" } })).status).to.equal(400);
    const methods = await storedEvents(server.server.store, { type: "OverageMethodSet", where: (d) => d.org_id === user.orgId });
    expect(methods.map((e) => e.data.method)).to.deep.equal(["x402", "credits"]);
  });

  it("answers Stripe's routes with a clear 'no payment provider configured' problem", async () => {
    const user = await createUser(server);
    for (const path of ["/v1/billing/subscribe", "/v1/billing/portal", "/v1/billing/credits/topup", "/v1/billing/webhooks"]) {
      const answer = await server.request("POST", path, { token: user.accessToken, body: { tier: "pro", interval: "monthly", amount_usd: 10 } });
      expect(answer.status, path).to.equal(409);
      expect(answer.body.detail, path).to.match(/no payment provider is configured/);
    }
    const llm = await server.request("GET", "/v1/billing/llm-token-billing", { token: user.accessToken });
    expect(llm.body.enabled).to.equal(false);
  });
});
