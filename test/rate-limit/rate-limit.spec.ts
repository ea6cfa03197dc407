import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadConfig } from "../../src/config.js";
import { clientKey } from "../../src/rate-limit/rate-limiter.js";
import { isAuthRoute } from "../../src/http/auth-rate-limit.js";
import { startTestServer, type TestServer } from "../support/server.js";

const bin = new URL("../../bin/keyledger.js", import.meta.url).pathname;
// The burst of the default policy with a slow refill (one per 10 s): a stalled test machine cannot refill it.
const LIMIT = { burst: 5, perSecond: 0.1 };

/** A failed key exchange: a cheap failed authentication (401), held to the per-address failure limit. */
async function exchangeKey(baseUrl: string) {
  const response = await fetch(`${baseUrl}/v1/auth/api-key-token`, {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ api_key: "1ck_not-a-real-key" }),
  });
  return { status: response.status, retryAfter: response.headers.get("retry-after"),
    contentType: response.headers.get("content-type"), body: await response.json() };
}

function portOf(url: string): string {
  return new URL(url).port;
}

describe("auth rate limit", () => {
  it("covers POST /v1/auth/* and POST /v1/agents/enroll, and nothing else", () => {
    expect(isAuthRoute({ method: "POST", path: "/v1/auth/token" })).to.equal(true);
    expect(isAuthRoute({ method: "POST", path: "/v1/auth/mfa/verify" })).to.equal(true);
    expect(isAuthRoute({ method: "POST", path: "/v1/agents/enroll" })).to.equal(true);
    expect(isAuthRoute({ method: "DELETE", path: "/v1/auth/token" })).to.equal(false);
    expect(isAuthRoute({ method: "GET", path: "/v1/auth/me" })).to.equal(false);
    expect(isAuthRoute({ method: "POST", path: "/v1/agents" })).to.equal(false);
    // Key exchanges are held to the failure limit only: a valid key is never starved (issue 9.9).
    expect(isAuthRoute({ method: "POST", path: "/v1/auth/agent-token" })).to.equal(false);
    expect(isAuthRoute({ method: "POST", path: "/v1/auth/api-key-token" })).to.equal(false);
  });

  it("is configured by RATE_LIMIT_AUTH_BURST and RATE_LIMIT_AUTH_PER_SECOND (fractions allowed)", () => {
    expect(loadConfig({}).authRateLimit).to.deep.equal({ burst: 5, perSecond: 1 });
    expect(loadConfig({ RATE_LIMIT_AUTH_BURST: "20", RATE_LIMIT_AUTH_PER_SECOND: "0.5" }).authRateLimit)
      .to.deep.equal({ burst: 20, perSecond: 0.5 });
  });

  it("keys IPv4 clients by address, whether or not they arrive IPv4-mapped, and IPv6 clients by /64", () => {
    expect(clientKey("::ffff:203.0.113.9")).to.equal(clientKey("203.0.113.9"));
    expect(clientKey("203.0.113.9")).not.to.equal(clientKey("203.0.113.10"));
    expect(clientKey("2001:db8:1:2::1")).to.equal(clientKey("2001:db8:1:2:ffff::9"));
    expect(clientKey("2001:db8:1:2::1")).not.to.equal(clientKey("2001:db8:1:3::1"));
  });

  describe("on one server", () => {
    let server: TestServer;
    let ipv4: string;
    let ipv6: string;

    before(async () => {
      // Dual-stack, so that one test can call from two addresses: 127.0.0.1 (IPv4-mapped) and ::1.
      server = await startTestServer("rate-limit", { host: "::", authRateLimit: LIMIT });
      ipv4 = `http://127.0.0.1:${portOf(server.url)}`;
      ipv6 = `http://[::1]:${portOf(server.url)}`;
    });
    after(async () => server?.close());

    it("lets an address fail to authenticate 5 times at once, then answers 429 with Retry-After", async () => {
      for (let i = 0; i < LIMIT.burst; i++) expect((await exchangeKey(ipv4)).status, `request ${i + 1}`).to.equal(401);
      const refused = await exchangeKey(ipv4);
      expect(refused.status).to.equal(429);
      expect(refused.retryAfter).to.equal("10");
      expect(refused.contentType).to.include("application/problem+json");
      expect(refused.body).to.include({ status: 429, title: "Too Many Requests" });
      expect(refused.body.detail).to.be.a("string");
    });

    it("holds every auth route but key exchanges to one bucket per address, malformed bodies included", async () => {
      for (let i = 0; i < LIMIT.burst; i++) {
        const login = await fetch(`${ipv4}/v1/auth/token`, { method: "POST", headers: { "content-type": "application/json" }, body: "{" });
        expect(login.status, `request ${i + 1}`).to.equal(400);
      }
      const enroll = await fetch(`${ipv4}/v1/agents/enroll`, {
        method: "POST", headers: { "content-type": "application/json" }, body: "{not json" });
      expect(enroll.status).to.equal(429);
      expect(enroll.headers.get("retry-after")).to.equal("10");
    });

    it("refuses failed authentications on other routes too once the address's failures are spent, and leaves public routes alone", async () => {
      expect((await fetch(`${ipv4}/v1/health`)).status).to.equal(200);
      expect((await fetch(`${ipv4}/v1/auth/token`, { method: "DELETE" })).status).to.equal(429);
    });

    it("keeps a separate bucket per client address", async () => {
      expect((await exchangeKey(ipv6)).status).to.equal(401);
    });

    it("admits one more request per refill interval", async () => {
      // Stands for 10 s passing: moves the bucket's theoretical arrival time back by one interval.
      await server.server.db.query(`update rate_limit_buckets set tat = tat - interval '10 seconds' where key = $1`,
        [`auth_failures:${clientKey("127.0.0.1")}`]);
      expect((await exchangeKey(ipv4)).status).to.equal(401);
      expect((await exchangeKey(ipv4)).status).to.equal(429);
    });
  });

  describe("across two API processes on one PostgreSQL database", function () {
    let server: TestServer;
    let child: ChildProcess | undefined;
    let childDataDir: string;
    let otherUrl: string;

    before(async function () {
      if (!process.env.DATABASE_URL) this.skip(); // the embedded PGlite serves one process only
      server = await startTestServer("rate-limit-shared", { authRateLimit: LIMIT });
      childDataDir = await mkdtemp(path.join(tmpdir(), "keyledger-test-"));
      // The second process must hold the store's keys (it refuses to start otherwise): the same token, or a
      // copy of the first process's local keys (whose data directory that process keeps locked).
      const keys = server.config.keyProvider;
      if (keys.kind === "local") await cp(path.join(server.config.dataDir, "keys"), path.join(childDataDir, "keys"), { recursive: true });
      const keyEnv = keys.kind === "pkcs11"
        ? { KEY_PROVIDER: "pkcs11", PKCS11_MODULE: keys.module, PKCS11_PIN: keys.pin, PKCS11_TOKEN_LABEL: keys.tokenLabel }
        : { KEY_PROVIDER: "local", PKCS11_MODULE: "" };
      const spawned = spawn(process.execPath, [bin, "serve"], {
        env: { ...process.env, DATABASE_URL: server.config.databaseUrl, ...keyEnv,
          PORT: "0", HOST: "127.0.0.1", KEYLEDGER_DATA_DIR: childDataDir, LOG_LEVEL: "info",
          RATE_LIMIT_AUTH_BURST: String(LIMIT.burst), RATE_LIMIT_AUTH_PER_SECOND: String(LIMIT.perSecond) },
      });
      child = spawned;
      let output = "";
      otherUrl = await new Promise<string>((resolve, reject) => {
        spawned.stdout!.on("data", (chunk) => {
          output += chunk;
          const match = /listening on (http:\/\/[^"\s]+)/.exec(output);
          if (match) resolve(match[1]);
        });
        spawned.stderr!.on("data", (chunk) => (output += chunk));
        spawned.on("exit", () => reject(new Error(`second server exited early: ${output}`)));
      });
    });

    after(async () => {
      if (child && child.exitCode === null) {
        const exited = new Promise((resolve) => child!.on("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
      await server?.close();
      if (childDataDir) await rm(childDataDir, { recursive: true, force: true });
    });

    it("shares one bucket per address: the burst spent on both processes, both refuse", async () => {
      const servers = [server.url, otherUrl];
      for (let i = 0; i < LIMIT.burst; i++) {
        expect((await exchangeKey(servers[i % 2])).status, `request ${i + 1}`).to.equal(401);
      }
      expect((await exchangeKey(otherUrl)).status).to.equal(429);
      expect((await exchangeKey(server.url)).status).to.equal(429);
    });
  });
});
