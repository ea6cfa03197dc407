/**
 * The dashboard in headless Chromium, billing side: an organisation that an operator put on the free tier sees its
 * tier, the month's requests against the quota (and the warning past 80 %), its resources against the tier's
 * limits; credits granted through the operators' admin route show in the balance and the ledger; the owner
 * switches the overage method and it stays switched; a member cannot (the API's detail shows when the role was
 * taken away under an open page); and the page fits a phone's width.
 */
import { expect } from "chai";
import { hashPassword } from "../../src/humans/passwords.js";
import { registerUser } from "../../src/humans/register.js";
import { launchBrowser, signInWithForm, type Browser, type WatchedPage } from "../support/browser.js";
import { ensureDashboardBuilt } from "../support/dashboard-build.js";
import { createUser, type TestUser } from "../support/identity.js";
import { startTestServer, type TestServer } from "../support/server.js";

const FREE_QUOTA = 1_000;

describe("dashboard in a browser: billing", function () {
  this.timeout(120_000);
  let server: TestServer;
  let operator: TestUser;
  let owner: TestUser;
  let browser: Browser;
  let tab: WatchedPage;

  before(async () => {
    ensureDashboardBuilt();
    server = await startTestServer("dashboard-billing");
    operator = await createUser(server);
    // KEYLEDGER_OPERATOR_EMAILS, set on the running config as the billing specs do.
    (server.config.billing.operatorEmails as string[]).push(operator.email);
    owner = await createUser(server);
    const tier = await server.request("PUT", `/v1/admin/orgs/${owner.orgId}/billing-tier`,
      { token: operator.accessToken, body: { tier: "free" } });
    expect(tier.status, JSON.stringify(tier.body)).to.equal(200);
    expect((await server.request("POST", "/v1/vaults", { token: owner.accessToken, body: { name: "billing-vault" } })).status).to.equal(201);

    browser = await launchBrowser(server.url);
    tab = await browser.page();
    await tab.page.goto("/");
    await signInWithForm(tab.page, owner);
  });
  afterEach(() => tab?.assertClean());
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  const heading = (name: string | RegExp) => tab.page.getByRole("heading", { level: 1, name });
  const nav = (name: string) => tab.page.getByRole("navigation", { name: "Main" }).getByRole("link", { name, exact: true });
  const openBilling = async () => {
    await nav("Billing").click();
    await heading("Billing").waitFor();
  };
  const subscription = async () => (await server.request("GET", "/v1/billing/subscription", { token: owner.accessToken })).body;

  it("shows the tier, the month's requests against the quota and the resources against their limits", async () => {
    const { page } = tab;
    await openBilling();
    expect(await page.getByTestId("billing-tier").textContent()).to.equal("free");
    const used = (await subscription()).usage.requests.used as number;
    expect(used).to.be.greaterThan(0);
    await page.getByText(new RegExp(`^Requests: [\\d,]+ of ${FREE_QUOTA.toLocaleString("en-US")} \\(\\d+ %\\)$`)).waitFor();
    await page.getByRole("progressbar", { name: /^Requests: \d+ % used$/ }).waitFor();
    await page.getByText("Vaults: 1 of 3 (33 %)").waitFor();
    await page.getByText("Agents: 0 of 2 (0 %)").waitFor();
    expect(await page.getByRole("status").filter({ hasText: "of this month's requests" }).count()).to.equal(0);
  });

  it("warns once the month's requests pass 80 % of the quota", async () => {
    const { page } = tab;
    // Real requests, counted by the server's usage meter like any other.
    const needed = Math.ceil(FREE_QUOTA * 0.8) - ((await subscription()).usage.requests.used as number);
    for (let sent = 0; sent < needed; sent += 25) {
      const batch = Array.from({ length: Math.min(25, needed - sent) }, () =>
        server.request("GET", "/v1/vaults", { token: owner.accessToken }));
      for (const answer of await Promise.all(batch)) expect(answer.status).to.equal(200);
    }
    const now = await subscription();
    expect(now.usage.requests.used).to.be.at.least(800);
    await page.reload();
    await heading("Billing").waitFor();
    const percent = Math.floor(now.usage.requests.used * 100 / FREE_QUOTA);
    await page.getByRole("status").filter({ hasText: `You have used ${percent} % of this month's requests` }).waitFor();
    await page.getByRole("progressbar", { name: `Requests: ${percent} % used` }).waitFor();
  });

  it("shows credits an operator granted: the balance, what expires, and the grant in the ledger", async () => {
    const { page } = tab;
    expect(await page.getByTestId("credit-balance").textContent()).to.equal("$0.00");
    await page.getByText("No credit transactions yet.").waitFor();
    const grant = await server.request("POST", `/v1/admin/orgs/${owner.orgId}/credits`,
      { token: operator.accessToken, body: { amount_cents: 2_500, description: "Granted for the dashboard spec" } });
    expect(grant.status, JSON.stringify(grant.body)).to.equal(201);

    await page.reload();
    await heading("Billing").waitFor();
    await page.getByTestId("credit-balance").filter({ hasText: "$25.00" }).waitFor();
    const row = page.getByRole("table", { name: "Credit transactions" }).getByRole("row").filter({ hasText: "Granted for the dashboard spec" });
    await row.waitFor();
    expect(await row.getByRole("cell").allTextContents()).to.deep.include.members(["topup", "$25.00"]);
    // A fresh grant expires in 12 months, beyond the 90 days the page warns about.
    expect(await page.getByText(/expire.*within 90 days/).count()).to.equal(0);
    await tab.screenshot("billing");
  });

  it("lets the owner switch the overage method to x402, and it stays switched", async () => {
    const { page } = tab;
    const form = page.getByRole("form", { name: "Overage method" });
    expect(await form.getByRole("radio", { name: "Prepaid credits" }).isChecked()).to.equal(true);
    const save = form.getByRole("button", { name: "Save overage method" });
    expect(await save.isDisabled()).to.equal(true);
    await form.getByRole("radio", { name: "x402 micropayments" }).check();
    await save.click();
    await form.getByRole("status").filter({ hasText: "Overage method saved: x402." }).waitFor();
    expect((await subscription()).overage_method).to.equal("x402");

    await page.reload();
    await heading("Billing").waitFor();
    await page.getByRole("form", { name: "Overage method" }).getByRole("radio", { name: "x402 micropayments", checked: true }).waitFor();
  });

  it("shows the API's detail when a member tries, and keeps the method's controls off for members", async () => {
    // An admin who joins the owner's org (no invitation flow yet: the same events the CLI's --org writes).
    const email = "billing-admin@example.test";
    const password = "the billing admin's password";
    const { userId } = await registerUser(server.server.services.bus, {
      email, authMethod: "password", passwordHash: await hashPassword(password), join: { orgId: owner.orgId, role: "admin" },
    }, { actor: { type: "user", id: owner.userId } });
    const other = await browser.page({ cookies: false });
    try {
      const { page } = other;
      await page.goto("/billing");
      await signInWithForm(page, { email, password }, "Billing");
      const form = page.getByRole("form", { name: "Overage method" });
      await form.getByRole("radio", { name: "Prepaid credits" }).check();

      const demoted = await server.request("PATCH", `/v1/org/members/${userId}`, { token: owner.accessToken, body: { role: "member" } });
      expect(demoted.status, JSON.stringify(demoted.body)).to.equal(200);
      other.expectError(403, /\/v1\/billing\/overage-method$/);
      await form.getByRole("button", { name: "Save overage method" }).click();
      await form.getByRole("alert").filter({ hasText: "this requires the role owner or admin" }).waitFor();
      expect((await subscription()).overage_method).to.equal("x402");

      await page.reload();
      await page.getByRole("heading", { level: 1, name: "Billing" }).waitFor();
      await form.getByText("Only owners and admins change the overage method.").waitFor();
      expect(await form.getByRole("radio", { name: "x402 micropayments" }).isDisabled()).to.equal(true);
      expect(await form.getByRole("button").count()).to.equal(0);
      await other.screenshot("billing-member");
      other.assertClean();
    } finally {
      await other.page.close();
    }
  });

  it("fits a phone's width", async () => {
    const { page } = tab;
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await heading("Billing").waitFor();
    await page.getByTestId("credit-balance").waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).to.be.at.most(390);
    await tab.screenshot("billing-phone");
    await page.setViewportSize({ width: 1280, height: 900 });
  });
});
