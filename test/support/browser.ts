/**
 * Debian's headless Chromium, driven by playwright-core (which downloads no browser), for the dashboard's
 * end-to-end specs: one browser per spec file, a fresh profile each time. The watcher fails a spec on any
 * console error, uncaught page error, failed request or error answer it did not expect, and screenshots go to
 * test-artifacts/dashboard/.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
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
  const profiles: string[] = [];
  const launch = async () => {
    const profile = await mkdtemp(path.join(tmpdir(), "keyledger-chromium-"));
    profiles.push(profile);
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM, headless: true, baseURL: baseUrl, viewport: { width: 1280, height: 900 },
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"],
    });
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseUrl });
    return context;
  };
  const context = await launch();
  const others: BrowserContext[] = [];
  return {
    context,
    async page(options = {}) {
      let target = context;
      if (options.cookies === false) {
        target = await launch();
        others.push(target);
      }
      return watch(await target.newPage());
    },
    async close() {
      for (const other of others) await other.close();
      await context.close();
      for (const profile of profiles) await rm(profile, { recursive: true, force: true });
    },
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
      await mkdir(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
    },
  };
}
