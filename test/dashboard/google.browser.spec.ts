/**
 * The dashboard's sign-in with Google in headless Chromium. Google's authorization endpoint is played by a
 * route of the browser that answers as Google's implicit flow does: a redirect back to /signin with an ID token
 * in the fragment, signed by a local OpenID Connect issuer (its JWKS on a free port) and carrying the nonce the
 * request asked for. The page must send that nonce, and refuse a token from a sign-in it did not start.
 */
import { expect } from "chai";
import { launchBrowser, type Browser, type WatchedPage } from "../support/browser.js";
import { ensureDashboardBuilt } from "../support/dashboard-build.js";
import { startOidcIssuer, type OidcIssuer } from "../support/oidc-issuer.js";
import { startTestServer, type TestServer } from "../support/server.js";

const CLIENT_ID = "keyledger-dashboard-test.apps.example";

describe("dashboard in a browser: sign-in with Google", function () {
  this.timeout(120_000);
  let issuer: OidcIssuer;
  let server: TestServer;
  let browser: Browser;
  let tab: WatchedPage;

  before(async () => {
    ensureDashboardBuilt();
    issuer = await startOidcIssuer(CLIENT_ID);
    server = await startTestServer("dashboard-google", { google: issuer.google });
    browser = await launchBrowser(server.url);
    tab = await browser.page();
  });
  afterEach(() => tab?.assertClean());
  after(async () => {
    await browser?.close();
    await server?.close();
    await issuer?.close();
  });

  const idToken = (claims: Record<string, unknown>) => issuer.idToken(claims);
  const heading = (name: string) => tab.page.getByRole("heading", { level: 1, name });

  it("signs in through Google's redirect with the nonce the page asked for, and keeps nothing behind", async () => {
    const { page } = tab;
    const asked: URL[] = [];
    await page.route("https://accounts.google.com/**", async (route) => {
      const request = new URL(route.request().url());
      asked.push(request);
      const token = await idToken({ sub: "g-dash-1", email: "ada@example.test", name: "Ada", nonce: request.searchParams.get("nonce") });
      await route.fulfill({ status: 302, headers: { location: `${server.url}/signin#id_token=${token}` } });
    });
    await page.goto("/signin");
    await page.getByRole("link", { name: "Sign in with Google" }).click();
    await heading("Dashboard").waitFor();
    await page.getByText("Signed in as ada@example.test").waitFor();
    expect(asked).to.have.length(1);
    expect(asked[0].searchParams.get("client_id")).to.equal(CLIENT_ID);
    expect(asked[0].searchParams.get("response_type")).to.equal("id_token");
    expect(asked[0].searchParams.get("nonce")).to.match(/^[0-9a-f-]{36}$/);
    expect(await page.evaluate(() => JSON.stringify({ ...sessionStorage }))).to.equal("{}");
  });

  it("refuses an ID token that carries another nonce than the one the page asked for", async () => {
    const { page } = (tab = await browser.page({ cookies: false }));
    await page.route("https://accounts.google.com/**", async (route) => {
      const token = await idToken({ sub: "g-dash-3", email: "eve@example.test", nonce: "not-the-one-asked-for" });
      await route.fulfill({ status: 302, headers: { location: `${server.url}/signin#id_token=${token}` } });
    });
    tab.expectError(401, /\/v1\/auth\/session\/google$/);
    await page.goto("/signin");
    await page.getByRole("link", { name: "Sign in with Google" }).click();
    await page.getByRole("alert").filter({ hasText: "not accepted" }).waitFor();
    await heading("Sign in to Keyledger").waitFor();
  });

  it("refuses an ID token from a sign-in the page did not start", async () => {
    const { page } = (tab = await browser.page({ cookies: false }));
    const token = await idToken({ sub: "g-dash-2", email: "mallory@example.test", nonce: "a-nonce-from-elsewhere" });
    await page.goto(`/signin#id_token=${token}`);
    await page.getByRole("alert").filter({ hasText: "not started here" }).waitFor();
    await heading("Sign in to Keyledger").waitFor();
    const users = await server.request("POST", "/v1/auth/token", { body: { email: "mallory@example.test", password: "x".repeat(12) } });
    expect(users.status).to.equal(401);
  });
});
