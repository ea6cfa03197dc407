/**
 * The dashboard in headless Chromium, invitations: the owner invites by the Team page's form, the invitee opens
 * the mailed link (from a real SMTP peer) in a separate browser context, signs up, and lands in the owner's
 * organisation with the invited role, which the owner's Team page then shows; a second invitation is revoked.
 */
import { expect } from "chai";
import { randomUUID } from "node:crypto";
import { hashPassword } from "../../src/humans/passwords.js";
import { registerUser } from "../../src/humans/register.js";
import { launchBrowser, signInWithForm, type Browser, type WatchedPage } from "../support/browser.js";
import { ensureDashboardBuilt } from "../support/dashboard-build.js";
import { freePort } from "../support/free-port.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { startSmtpPeer, type SmtpPeer } from "../support/smtp-peer.js";

describe("dashboard in a browser: invitations on the Team page", function () {
  this.timeout(120_000);
  let smtp: SmtpPeer;
  let server: TestServer;
  let browser: Browser;
  let owner: WatchedPage;
  let invitee: WatchedPage | undefined;
  const ownerEmail = `team-owner-${randomUUID()}@example.test`;
  const ownerPassword = "an owner's password";
  const inviteeEmail = `team-invitee-${randomUUID()}@example.test`;

  before(async () => {
    ensureDashboardBuilt();
    smtp = await startSmtpPeer();
    const port = await freePort();
    server = await startTestServer("dashboard-invitations", { port, publicUrl: `http://127.0.0.1:${port}`, smtpUrl: smtp.url,
      mailFrom: "Keyledger <vault@example.test>" });
    // The owner's account as `keyledger user create` makes it (signing up by the dashboard is account.browser.spec.ts's).
    await registerUser(server.server.services.bus, { email: ownerEmail, authMethod: "password",
      passwordHash: await hashPassword(ownerPassword) }, {});
    browser = await launchBrowser(server.url);
    owner = await browser.page();
  });
  afterEach(() => { owner?.assertClean(); invitee?.assertClean(); });
  after(async () => {
    await browser?.close();
    await server?.close();
    await smtp?.close();
  });

  it("invites by the form; the invitee signs up from the mailed link into the owner's org as admin", async () => {
    const { page } = owner;
    await page.goto("/signin");
    await signInWithForm(page, { email: ownerEmail, password: ownerPassword });
    await page.getByRole("link", { name: "Team" }).click();
    await page.getByRole("heading", { level: 1, name: "Team" }).waitFor();
    await page.getByLabel("Email").fill(inviteeEmail);
    await page.getByLabel("Role", { exact: true }).selectOption("admin");
    await page.getByRole("button", { name: "Send invitation" }).click();
    await page.getByRole("status").filter({ hasText: `Invitation sent to ${inviteeEmail}` }).waitFor();
    await page.getByRole("row").filter({ hasText: inviteeEmail }).filter({ hasText: "pending" }).waitFor();
    await owner.screenshot("team-invited");

    const mail = await smtp.mailTo(inviteeEmail);
    const link = /(http:\/\/\S+\/accept-invite\?token=\S+)/.exec(mail.text)?.[1];
    expect(link, mail.text).to.be.a("string");
    expect(link!.startsWith(server.url)).to.equal(true);

    invitee = await browser.page({ cookies: false });
    const other = invitee.page;
    await other.goto(link!);
    await other.getByRole("heading", { level: 1, name: "Join your team on Keyledger" }).waitFor();
    await other.getByLabel("Display name").fill("Invited Ivy");
    await other.getByLabel("Password").fill("the invitee's password");
    await invitee.screenshot("accept-invite");
    await other.getByRole("button", { name: "Accept and sign in" }).click();
    await other.getByRole("heading", { level: 1, name: "Team" }).waitFor();
    // The invitee is in the owner's organisation, as admin: the owner is listed beside them.
    await other.getByRole("row").filter({ hasText: ownerEmail }).waitFor();
    expect(await other.getByLabel(`Role of ${inviteeEmail}`).inputValue()).to.equal("admin");
    // Signed in as the invitee: one's own role is the one select they cannot change.
    expect(await other.getByLabel(`Role of ${inviteeEmail}`).isDisabled()).to.equal(true);

    await page.reload();
    await page.getByRole("heading", { level: 1, name: "Team" }).waitFor();
    await page.getByRole("row").filter({ hasText: "Invited Ivy" }).waitFor();
    expect(await page.getByLabel(`Role of ${inviteeEmail}`).inputValue()).to.equal("admin");
    await page.getByRole("row").filter({ hasText: inviteeEmail }).filter({ hasText: "accepted" }).waitFor();
    await owner.screenshot("team-joined");
    expect(server.logs()).to.not.include(new URL(link!).searchParams.get("token")!.split(".")[1]);
  });

  it("revokes a pending invitation; its link then fails with the API's detail", async () => {
    const { page } = owner;
    const revoked = `team-revoked-${randomUUID()}@example.test`;
    await page.getByLabel("Email").fill(revoked);
    await page.getByRole("button", { name: "Send invitation" }).click();
    await page.getByRole("row").filter({ hasText: revoked }).filter({ hasText: "pending" }).waitFor();
    await page.getByRole("button", { name: `Revoke the invitation of ${revoked}` }).click();
    await page.getByRole("row").filter({ hasText: revoked }).filter({ hasText: "revoked" }).waitFor();

    const link = /(http:\/\/\S+\/accept-invite\?token=\S+)/.exec((await smtp.mailTo(revoked)).text)![1];
    const late = await browser.page({ cookies: false });
    invitee = late;
    await late.page.goto(link);
    await late.page.getByLabel("Password").fill("a password for nothing");
    late.expectError(400, /\/v1\/auth\/session\/accept-invite$/);
    await late.page.getByRole("button", { name: "Accept and sign in" }).click();
    await late.page.getByRole("alert").filter({ hasText: "invalid, already used, revoked or expired" }).waitFor();
  });
});
