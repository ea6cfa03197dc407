/**
 * Debian's headless Chromium, driven by playwright-core (which downloads no browser), for the dashboard's
 * end-to-end specs: one browser per spec file, a fresh profile and context each time. The watcher fails a spec on any
 * console error, uncaught page error, failed request or error answer it did not expect, and screenshots go to
 * test-artifacts/dashboard/.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARTIFACTS = fileURLToPath(new URL("../../test-artifacts/dashboard/", import.meta.url));

export interface Browser {
  context: BrowserContext;
  /** A new tab with its own watcher; `cookies: false` gives a tab in a separate, signed-out context. */
  page(options?: { cookies?: boolean }): Promise<WatchedPage>;
  close(): Promise<void>;
}

export interface WatchedPage {
  page: Page;
  /** Lets answers with this status to URLs matching the pattern through once (a flow that expects a 4xx). */
  expectError(status: number, url: RegExp): void;
  /** Fails with everything that went wrong since the last call. */
  assertClean(): void;
  screenshot(name: string): Promise<void>;
}

export async function launchBrowser(baseUrl: string): Promise<Browser> {
  // playwright gives every launch a fresh temporary --user-data-dir of its own, removed on close.
  const browser = await chromium.launch({
    executablePath: CHROMIUM, headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  const newContext = async () => {
    const context = await browser.newContext({ baseURL: baseUrl, viewport: { width: 1280, height: 900 } });
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseUrl });
    return context;
  };
  const context = await newContext();
  return {
    context,
    async page(options = {}) {
      const target = options.cookies === false ? await newContext() : context;
      const page = await target.newPage();
      // Fail in seconds, not the default 30: a missing element is a failure, and the specs run in a row.
      page.setDefaultTimeout(10_000);
      return watch(page);
    },
    close: () => browser.close(),
  };
}

function watch(page: Page): WatchedPage {
  const problems: string[] = [];
  const allowed: Array<{ status: number; url: RegExp }> = [];
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    // Chromium reports every error answer on the console too; the response handler judges those.
    if (/^Failed to load resource: the server responded with a status of \d+/.test(message.text())) return;
    problems.push(`console error: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("requestfailed", (request) => problems.push(`request failed: ${request.method()} ${request.url()} (${request.failure()?.errorText})`));
  page.on("response", (response) => {
    if (response.status() < 400) return;
    const index = allowed.findIndex((a) => a.status === response.status() && a.url.test(response.url()));
    if (index >= 0) allowed.splice(index, 1);
    else problems.push(`error answer: ${response.status()} ${response.request().method()} ${response.url()}`);
  });
  return {
    page,
    expectError(status, url) { allowed.push({ status, url }); },
    assertClean() {
      const found = problems.splice(0);
      if (found.length) throw new Error(`the page had problems:\n${found.join("\n")}`);
      if (allowed.length) throw new Error(`expected error answers did not come: ${allowed.map((a) => `${a.status} ${a.url}`).join(", ")}`);
    },
    async screenshot(name) {
      // Screen-reader basics on every page we keep a picture of: each control has a name, the page a heading.
      const unnamed = await page.evaluate(() => [...document.querySelectorAll("input, select, textarea, button")]
        .filter((element) => {
          const control = element as HTMLInputElement;
          const named = (control.labels?.length ?? 0) > 0 || !!control.getAttribute("aria-label") || !!control.textContent?.trim();
          return !named && control.type !== "hidden";
        }).map((element) => element.outerHTML.slice(0, 120)));
      if (unnamed.length) problems.push(`controls without a name on ${name}: ${unnamed.join(", ")}`);
      if (await page.locator("h1").count() !== 1) problems.push(`${name} does not have exactly one h1`);
      await mkdir(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
    },
  };
}

/** Fills the sign-in form on the current page and waits for the page it leads to (the Dashboard by default). */
export async function signInWithForm(page: Page, user: { email: string; password: string }, landing = "Dashboard"): Promise<void> {
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { level: 1, name: landing }).waitFor();
}
