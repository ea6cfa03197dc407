/**
 * The dashboard in headless Chromium, vault side: a vault and a secret, Reveal (and the read in the audit log),
 * copy, version history, rotate, disable a version, delete and restore; an agent with its one-time key and MCP
 * snippet, a policy granted, edited and deleted; time travel; a link share's public page with its passphrase,
 * inbound shares accepted and declined; the agent's key rotated, the agent deactivated and deleted.
 */
import { expect } from "chai";
import { launchBrowser, signInWithForm, type Browser, type WatchedPage } from "../support/browser.js";
import { ensureDashboardBuilt } from "../support/dashboard-build.js";
import { createUser, type TestUser } from "../support/identity.js";
import { startTestServer, type TestServer } from "../support/server.js";

/** A `datetime-local` value for a time (the browser runs in this process's time zone). */
function localInput(date: Date): string {
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

describe("dashboard in a browser: vaults, secrets, policies, agents, sharing, audit, time travel", function () {
  this.timeout(120_000);
  let server: TestServer;
  let owner: TestUser;
  let browser: Browser;
  let tab: WatchedPage;
  let secretUrl = "";
  let agentId = "";
  let agentKey = "";

  before(async () => {
    ensureDashboardBuilt();
    server = await startTestServer("dashboard-vaults");
    owner = await createUser(server);
    browser = await launchBrowser(server.url);
    tab = await browser.page();
    tab.page.on("dialog", (dialog) => void dialog.accept());
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

  it("creates a vault", async () => {
    const { page } = tab;
    await nav("Vaults").click();
    await page.getByLabel("Vault name").fill("production");
    await page.getByLabel("Description").fill("what runs the shop");
    await page.getByRole("button", { name: "Create vault" }).click();
    await heading("production").waitFor();
    await nav("Vaults").click();
    await page.getByRole("heading", { level: 2, name: "production" }).waitFor();
    await tab.screenshot("vaults");
    await page.getByRole("link", { name: "production" }).click();
    await heading("production").waitFor();
  });

  it("deletes a vault from its settings", async () => {
    const { page } = tab;
    await nav("Vaults").click();
    await page.getByLabel("Vault name").fill("scratch");
    await page.getByRole("button", { name: "Create vault" }).click();
    await heading("scratch").waitFor();
    await page.getByRole("link", { name: "Settings" }).click();
    await tab.screenshot("vault-settings");
    await page.getByRole("button", { name: "Delete vault" }).click();
    await heading("Vaults").waitFor();
    await page.getByRole("heading", { level: 2, name: "scratch" }).waitFor({ state: "detached" });
    await page.getByRole("link", { name: "production" }).click();
    await heading("production").waitFor();
  });

  it("stores a secret, reveals and copies it, and the reveal is an audited read", async () => {
    const { page } = tab;
    await page.getByLabel("Secret path").fill("api/stripe");
    await page.getByLabel("Secret value").fill("sk_live_first");
    await page.getByRole("button", { name: "Store secret" }).click();
    await heading("api/stripe").waitFor();
    secretUrl = new URL(page.url()).pathname;
    expect(await page.getByTestId("secret-value").count()).to.equal(0);
    expect(await page.content()).to.not.include("sk_live_first");
    await tab.screenshot("secret-masked");
    await page.getByRole("button", { name: "Reveal" }).click();
    expect(await page.getByTestId("secret-value").textContent()).to.equal("sk_live_first");
    await page.getByRole("button", { name: "Copy value" }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).to.equal("sk_live_first");

    await nav("Audit Log").click();
    await page.getByTestId("chain-status").getByText(/Hash chain intact: \d+ events verified/).waitFor();
    await page.getByLabel("Action").fill("secret.read");
    await page.getByRole("button", { name: "Apply filters" }).click();
    const rows = page.getByTestId("audit-events").locator("tbody tr");
    await page.getByTestId("audit-events").getByRole("caption").filter({ hasText: /^1 events$/ }).waitFor();
    expect(await rows.first().textContent()).to.include("secret.read").and.include(owner.userId.slice(0, 8));
    await tab.screenshot("audit-log");
    await page.getByLabel("Actor ID").fill(owner.userId);
    await page.getByLabel("Action").fill("");
    await page.getByLabel("From").fill(localInput(new Date(Date.now() + 3600_000)));
    await page.getByRole("button", { name: "Apply filters" }).click();
    await page.getByTestId("audit-events").getByRole("caption").filter({ hasText: /^0 events$/ }).waitFor();
  });

  it("rotates, disables the old version, deletes and restores", async () => {
    const { page } = tab;
    await page.goto(secretUrl);
    await page.getByRole("button", { name: "Rotate" }).click();
    await page.getByRole("status").filter({ hasText: "version 2 holds a new generated value" }).waitFor();
    await page.getByRole("cell", { name: "2 (current)" }).waitFor();
    await page.getByRole("button", { name: "Disable version 1" }).click();
    await page.getByRole("row").filter({ hasText: /^1/ }).getByText("disabled").waitFor();
    await page.getByRole("button", { name: "Reveal" }).click();
    expect(await page.getByTestId("secret-value").textContent()).to.match(/^[0-9a-f]{32}$/);
    await tab.screenshot("secret-versions");
    await page.getByRole("button", { name: "Delete secret" }).click();
    await page.getByRole("status").filter({ hasText: "Secret deleted" }).waitFor();
    await page.getByRole("button", { name: "Restore secret" }).click();
    await page.getByRole("status").filter({ hasText: "Secret restored" }).waitFor();
    await page.getByRole("button", { name: "Reveal" }).waitFor();
  });

  it("creates an agent: the key once, with its MCP configuration", async () => {
    const { page } = tab;
    await nav("Agents").click();
    await page.getByLabel("Agent name").fill("deploy-bot");
    await page.getByLabel("Scopes").fill("api/*");
    await page.getByLabel("Vault binding").selectOption({ label: "production" });
    await page.getByRole("button", { name: "Create agent" }).click();
    agentKey = (await page.getByTestId("agent-key").textContent())!;
    expect(agentKey).to.match(/^ocv_/);
    const snippet = JSON.parse((await page.getByTestId("mcp-snippet").textContent())!);
    expect(snippet.mcpServers.keyledger.url).to.equal(`${server.url}/mcp`);
    expect(snippet.mcpServers.keyledger.headers.Authorization).to.equal(`Bearer ${agentKey}`);
    await tab.screenshot("agent-created");
    await page.getByRole("link", { name: "deploy-bot" }).click();
    await heading("deploy-bot").waitFor();
    agentId = new URL(page.url()).pathname.split("/").pop()!;
  });

  it("grants the agent a policy, edits it inline, and the agent can read", async () => {
    const { page } = tab;
    await page.goto(secretUrl.replace(/\/secrets\/.*$/, "?tab=policies"));
    await page.getByLabel("Agent").selectOption({ label: "deploy-bot" });
    await page.getByLabel("Path glob").fill("api/*");
    await page.getByRole("button", { name: "Create policy" }).click();
    const row = page.getByRole("row").filter({ hasText: "deploy-bot" });
    await row.getByRole("cell", { name: "read", exact: true }).waitFor();
    await row.getByRole("button", { name: "Edit" }).click();
    const editor = page.getByRole("form", { name: "Edit policy" });
    await editor.getByLabel("write").check();
    await editor.getByLabel("Priority").fill("5");
    await editor.getByRole("button", { name: "Save policy" }).click();
    await row.getByRole("cell", { name: "read, write" }).waitFor();
    await row.getByRole("cell", { name: "5", exact: true }).waitFor();
    await tab.screenshot("policies");
    const read = await server.request("GET", `/v1/vaults/${secretUrl.split("/")[2]}/secrets/api/stripe`, { token: agentKey });
    expect(read.status, JSON.stringify(read.body)).to.equal(200);
  });

  it("answers who could read the secret now and who read it in the last hour", async () => {
    const { page } = tab;
    await page.goto(secretUrl);
    await page.getByRole("button", { name: "Who could read" }).click();
    const access = page.getByTestId("access-at");
    await access.getByRole("row").filter({ hasText: agentId }).getByRole("cell", { name: "policy" }).waitFor();
    await access.getByRole("row").filter({ hasText: owner.userId }).getByRole("cell", { name: "creator" }).waitFor();
    await page.getByLabel("Read from").fill(localInput(new Date(Date.now() - 3600_000)));
    await page.getByLabel("Read until").fill(localInput(new Date(Date.now() + 3600_000)));
    await page.getByRole("button", { name: "Who read" }).click();
    const reads = page.getByTestId("reads");
    await reads.getByRole("row").filter({ hasText: agentId }).waitFor();
    expect(await reads.getByRole("row").filter({ hasText: owner.userId }).count()).to.equal(2);
    await tab.screenshot("time-travel");
    const before = await page.getByLabel("Who could read it at");
    await before.fill(localInput(new Date(Date.now() - 3600_000)));
    await page.getByRole("button", { name: "Who could read" }).click();
    await access.getByRole("row").filter({ hasText: agentId }).waitFor({ state: "detached" });
  });

  it("opens a link share on its public page with the passphrase in a form", async () => {
    const { page } = tab;
    await page.getByLabel("Passphrase (recommended)").fill("open sesame");
    await page.getByRole("button", { name: "Create link" }).click();
    const link = (await page.getByTestId("share-link").textContent())!;
    expect(link).to.match(new RegExp(`^${server.url}/share/[0-9a-f-]{36}$`));
    const stranger = await browser.page({ cookies: false });
    try {
      stranger.expectError(403, /\/v1\/share\//);
      await stranger.page.goto(link);
      await stranger.page.getByRole("button", { name: "Open" }).click();
      await stranger.page.getByRole("alert").waitFor();
      const sent: string[] = [];
      stranger.page.on("request", (request) => { if (request.url().includes("/v1/share/")) sent.push(request.url(), request.headers()["x-share-passphrase"] ?? ""); });
      await stranger.page.getByLabel("Passphrase").fill("open sesame");
      await stranger.page.getByRole("button", { name: "Open" }).click();
      expect(await stranger.page.getByTestId("shared-value").textContent()).to.match(/^[0-9a-f]{32}$/);
      expect(sent[0]).to.not.include("sesame");
      expect(sent[1]).to.equal("open sesame");
      await stranger.screenshot("share-public");
      stranger.assertClean();
    } finally {
      await stranger.page.close();
    }
  });

  it("accepts and declines inbound shares, revokes an outbound one", async () => {
    const { page } = tab;
    const secrets = await server.request("GET", `/v1/vaults/${secretUrl.split("/")[2]}/secrets`, { token: owner.accessToken });
    const secretId = secrets.body.secrets[0].id as string;
    for (let i = 0; i < 2; i += 1) {
      const shared = await server.request("POST", `/v1/secrets/${secretId}/share`, { token: agentKey,
        body: { recipient_type: "creator", expires_at: server.clock.isoIn(3600_000) } });
      expect(shared.status, JSON.stringify(shared.body)).to.equal(201);
    }
    await nav("Sharing").click();
    const inbound = page.getByRole("table", { name: "Shared with you" });
    await inbound.getByRole("button", { name: "Accept" }).nth(1).waitFor();
    await inbound.getByRole("button", { name: "Accept" }).first().click();
    await inbound.getByRole("button", { name: "Open" }).click();
    expect(await page.getByTestId("shared-value").textContent()).to.match(/^[0-9a-f]{32}$/);
    await inbound.getByRole("button", { name: "Decline" }).click();
    await inbound.getByRole("cell", { name: "declined" }).waitFor();
    const outbound = page.getByRole("table", { name: "Shared by your organisation" });
    await outbound.getByRole("cell", { name: "api/stripe" }).waitFor();
    await tab.screenshot("sharing");
    await outbound.getByRole("button", { name: "Revoke" }).click();
    await outbound.getByRole("cell", { name: "revoked" }).waitFor();
  });

  it("deletes the policy", async () => {
    const { page } = tab;
    await page.goto(secretUrl.replace(/\/secrets\/.*$/, "?tab=policies"));
    const row = page.getByRole("row").filter({ hasText: "deploy-bot" });
    await row.getByRole("button", { name: "Delete" }).click();
    await row.waitFor({ state: "detached" });
  });

  it("rotates the agent's key, deactivates and deletes the agent", async () => {
    const { page } = tab;
    await page.goto(`/agents/${agentId}`);
    await page.getByTestId("agent-status").filter({ hasText: "active" }).waitFor();
    await page.getByRole("button", { name: "Rotate key" }).click();
    const rotated = (await page.getByTestId("agent-key").textContent())!;
    expect(rotated).to.match(/^ocv_/).and.not.equal(agentKey);
    await page.getByRole("button", { name: "Deactivate" }).click();
    await page.getByTestId("agent-status").filter({ hasText: "inactive" }).waitFor();
    await tab.screenshot("agent-detail");
    await page.getByRole("button", { name: "Delete agent" }).click();
    await heading("Agents").waitFor();
    await page.getByRole("link", { name: "deploy-bot" }).waitFor({ state: "detached" });
  });
});
