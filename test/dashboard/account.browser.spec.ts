/**
 * The dashboard in headless Chromium, account side: sign up and verify through the mail (a real SMTP peer),
 * MFA setup with QR code and recovery codes, sign out and in again with a TOTP code, personal API keys, IP rules,
 * the team page, a device login started by the real CLI and approved on /cli/verify, and a phone-width layout.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { codeFor } from "../humans/totp-helper.js";
import { launchBrowser, type Browser, type WatchedPage } from "../support/browser.js";
import { ensureDashboardBuilt } from "../support/dashboard-build.js";
import { freePort } from "../support/free-port.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { startSmtpPeer, type SmtpPeer } from "../support/smtp-peer.js";

const bin = new URL("../../bin/keyledger.js", import.meta.url).pathname;

describe("dashboard in a browser: account, MFA, API keys, device login", function () {
  this.timeout(120_000);
  let smtp: SmtpPeer;
  let server: TestServer;
  let browser: Browser;
  let tab: WatchedPage;
  const email = "dashboard-owner@example.test";
  const password = "a dashboard password";
  let totpSecret = "";

  before(async () => {
    ensureDashboardBuilt();
    smtp = await startSmtpPeer();
    const port = await freePort();
    server = await startTestServer("dashboard-account", { port, publicUrl: `http://127.0.0.1:${port}`, smtpUrl: smtp.url,
      mailFrom: "Keyledger <vault@example.test>" });
    browser = await launchBrowser(server.url);
    tab = await browser.page();
  });
  afterEach(() => tab?.assertClean());
  after(async () => {
    await browser?.close();
    await server?.close();
    await smtp?.close();
  });

  const heading = (name: string | RegExp) => tab.page.getByRole("heading", { level: 1, name });

  it("signs up, and the mailed link verifies the address and signs in", async () => {
    const { page } = tab;
    await page.goto("/");
    await heading("Sign in to Keyledger").waitFor();
    await tab.screenshot("signin");
    await page.getByRole("link", { name: "Sign up" }).click();
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await tab.screenshot("signup");
    await page.getByRole("button", { name: "Sign up" }).click();
    await page.getByRole("status").filter({ hasText: `verification link to ${email}` }).waitFor();

    const mail = await smtp.mailTo(email);
    const link = /(http:\/\/\S+\/verify-email\?token=\S+)/.exec(mail.text)?.[1];
    expect(link, mail.text).to.be.a("string");
    expect(link!.startsWith(server.url)).to.equal(true);
    await page.goto(link!);
    await heading("Verify your email").waitFor();
    await tab.screenshot("verify-email");
    await page.getByRole("button", { name: "Verify and sign in" }).click();
    await heading("Dashboard").waitFor();
    await page.getByText(`Signed in as ${email}`).waitFor();
    expect(await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }))).to.equal("{}{}");
    const cookies = await browser.context.cookies(server.url);
    expect(cookies.map((c) => ({ name: c.name, httpOnly: c.httpOnly, sameSite: c.sameSite })))
      .to.deep.equal([{ name: "kl_session", httpOnly: true, sameSite: "Strict" }]);
    expect(await page.evaluate(() => document.cookie)).to.equal("");
    await tab.screenshot("home");
  });

  it("turns on MFA from the QR code's key and shows the recovery codes", async () => {
    const { page } = tab;
    await page.getByRole("link", { name: "Security" }).click();
    await heading("Security").waitFor();
    await page.getByRole("button", { name: "Set up MFA" }).click();
    await page.getByRole("img", { name: "QR code for your authenticator app" }).waitFor();
    totpSecret = (await page.getByTestId("totp-secret").textContent())!;
    await page.getByLabel("Code from the app").fill(codeFor(totpSecret, server.clock.now()));
    await page.getByRole("button", { name: "Turn on MFA" }).click();
    const codes = page.getByTestId("recovery-codes").getByRole("listitem");
    await codes.first().waitFor();
    expect(await codes.count()).to.be.greaterThan(5);
    await tab.screenshot("security-mfa");
  });

  it("signs out, then signs in again with password and TOTP code", async () => {
    const { page } = tab;
    await page.getByRole("button", { name: "Sign out" }).click();
    await heading("Sign in to Keyledger").waitFor();
    expect(await browser.context.cookies(server.url)).to.deep.equal([]);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await heading("Two-factor code").waitFor();
    await tab.screenshot("signin-totp");
    await page.getByLabel(/Code from your authenticator app/).fill(codeFor(totpSecret, server.clock.now(), 1));
    await page.getByRole("button", { name: "Verify" }).click();
    await heading("Dashboard").waitFor();
  });

  it("shows the API's detail when a request fails", async () => {
    const { page } = tab;
    await page.getByRole("link", { name: "Security" }).click();
    tab.expectError(400, /\/v1\/security\/ip-rules$/);
    await page.getByLabel("CIDR").fill("not-a-network");
    await page.getByRole("button", { name: "Add rule" }).click();
    await page.getByRole("alert").filter({ hasText: /cidr|CIDR/ }).waitFor();
  });

  it("adds and deletes an IP rule", async () => {
    const { page } = tab;
    await page.getByLabel("CIDR").fill("203.0.113.0/24");
    await page.getByLabel("Label").fill("documentation range");
    await page.getByRole("button", { name: "Add rule" }).click();
    const row = page.getByRole("row").filter({ hasText: "203.0.113.0/24" });
    await row.waitFor();
    await tab.screenshot("security-ip-rules");
    await row.getByRole("button", { name: "Delete rule" }).click();
    await row.waitFor({ state: "detached" });
  });

  it("creates a personal API key, shown once, and revokes it", async () => {
    const { page } = tab;
    await page.getByRole("link", { name: "API Keys" }).click();
    await heading("API Keys").waitFor();
    await page.getByLabel("Key name").fill("laptop");
    await page.getByRole("button", { name: "Create key" }).click();
    expect(await page.getByTestId("user-key").textContent()).to.match(/^1ck_/);
    const row = page.getByRole("row").filter({ hasText: "laptop" });
    await row.getByText("active").waitFor();
    await tab.screenshot("api-keys");
    await row.getByRole("button", { name: "Revoke" }).click();
    await row.getByText("revoked or expired").waitFor();
  });

  it("lists the team", async () => {
    const { page } = tab;
    await page.getByRole("link", { name: "Team" }).click();
    await page.getByRole("row").filter({ hasText: email }).waitFor();
    await tab.screenshot("team");
  });

  it("approves a device login that the CLI started, on /cli/verify", async () => {
    const home = await mkdtemp(path.join(tmpdir(), "keyledger-device-"));
    try {
      const cli = spawn(process.execPath, [bin, "login", "--api-url", server.url, "--json"],
        { env: { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: path.join(home, "xdg") } });
      let output = "";
      cli.stdout.on("data", (chunk) => (output += chunk));
      cli.stderr.on("data", (chunk) => (output += chunk));
      cli.stdin.end();
      const exited = new Promise<number | null>((resolve) => cli.on("close", resolve));
      // The CLI prints the code and the dashboard link that carries it (the device flow's verification_uri_complete).
      let link: RegExpExecArray | null = null;
      for (let tries = 0; !link && tries < 200; tries += 1) {
        link = /(http:\/\/\S+\/cli\/verify\?code=([B-DF-HJ-NP-TV-XZ]{4}-[B-DF-HJ-NP-TV-XZ]{4}))\b/.exec(output);
        if (!link) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(link, output).to.not.equal(null);
      expect(link![1].startsWith(`${server.url}/cli/verify?code=`)).to.equal(true);
      const { page } = tab;
      await page.goto(link![1]);
      await heading("Device login").waitFor();
      await page.getByTestId("device-status").filter({ hasText: "pending" }).waitFor();
      await tab.screenshot("device-login");
      await page.getByRole("button", { name: "Approve" }).click();
      await page.getByTestId("device-status").filter({ hasText: "approved" }).waitFor();
      expect(await exited, output).to.equal(0);
      expect(JSON.parse(output.slice(output.indexOf("{")))).to.include({ email, method: "device" });
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it("refreshes the session in one tab, and the other tab goes on writing", async () => {
    const second = await browser.page();
    try {
      await second.page.clock.install();
      await second.page.goto("/");
      await second.page.getByRole("heading", { level: 1, name: "Dashboard" }).waitFor();
      const cookie = async () => (await browser.context.cookies(server.url)).find((c) => c.name === "kl_session")!.value;
      const before = await cookie();
      const refreshed = second.page.waitForResponse((response) => response.url().endsWith("/v1/auth/session/refresh"));
      await second.page.clock.fastForward("10:01");
      expect((await refreshed).status()).to.equal(200);
      expect(await cookie()).to.not.equal(before);
      second.assertClean();
    } finally {
      await second.page.close();
    }
    const { page } = tab;
    await page.getByRole("link", { name: "API Keys" }).click();
    await page.getByLabel("Key name").fill("after refresh");
    await page.getByRole("button", { name: "Create key" }).click();
    await page.getByRole("row").filter({ hasText: "after refresh" }).waitFor();
  });

  it("fits a phone's width", async () => {
    const { page } = tab;
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto("/");
    await heading("Dashboard").waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).to.be.at.most(390);
    await tab.screenshot("home-phone");
    await page.setViewportSize({ width: 1280, height: 900 });
  });
});
