/**
 * Issue 12: `KEYLEDGER_WORKERS=2 keyledger serve` on PostgreSQL + SoftHSM runs a supervisor and two API
 * processes on one port. Every read is still audited, `/metrics` adds up both workers' figures, a worker that
 * dies is replaced while the other keeps answering, and SIGTERM stops all of them gracefully.
 */
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { ChildServer, expectStatus, signUpThroughOutbox } from "../support/child-server.js";
import { freshPostgres, postgresServerUrl, type TestDatabase } from "../support/databases.js";
import { softHsmUnavailableReason } from "../support/softhsm.js";

const skipReason = !postgresServerUrl ? "DATABASE_URL is not set (workers need a shared PostgreSQL)"
  : !process.env.PKCS11_MODULE ? "PKCS11_MODULE is not set (workers need an HSM)" : softHsmUnavailableReason();

/** The processes whose parent is `pid`, from /proc. */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // "pid (comm) state ppid ...": comm may hold spaces, so read after its closing parenthesis.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return children.sort();
}

/** GET on a connection of its own (no keep-alive), so that the supervisor hands each to the next worker. */
function getOnNewConnection(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get(url, { agent: false, headers, timeout: 10_000 }, (response) => {
      response.resume();
      response.on("end", () => resolve(response.statusCode ?? 0));
    }).on("timeout", function (this: http.ClientRequest) {
      this.destroy(new Error(`no answer from ${url} in 10 s`));
    }).on("error", reject);
  });
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

(skipReason ? describe.skip : describe)("API workers (KEYLEDGER_WORKERS=2)", function () {
  this.timeout(180_000);
  let database: TestDatabase;
  let dir: string;
  let server: ChildServer;
  let env: Record<string, string | undefined>;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "keyledger-workers-"));
    mkdirSync(path.join(dir, "tokens"));
    const conf = path.join(dir, "softhsm2.conf");
    writeFileSync(conf, `directories.tokendir = ${path.join(dir, "tokens")}\nobjectstore.backend = file\nlog.level = ERROR\n`);
    const label = `workers-${randomBytes(4).toString("hex")}`;
    execFileSync("softhsm2-util", ["--init-token", "--free", "--label", label, "--so-pin", "so-pin", "--pin", "user-pin"],
      { stdio: "ignore", env: { ...process.env, SOFTHSM2_CONF: conf } });
    database = await freshPostgres();
    env = {
      DATABASE_URL: database.url, KEYLEDGER_WORKERS: "2", KEYLEDGER_DATA_DIR: path.join(dir, "data"), LOG_LEVEL: "info",
      KEY_PROVIDER: "pkcs11", PKCS11_MODULE: process.env.PKCS11_MODULE, PKCS11_PIN: "user-pin", PKCS11_TOKEN_LABEL: label,
      SOFTHSM2_CONF: conf, RATE_LIMIT_AUTH_BURST: "100000", RATE_LIMIT_AUTH_PER_SECOND: "100000",
    };
    server = await ChildServer.spawn(env);
    await server.waitHealthy();
    // The first worker answers alone until the second, started once the first listens, listens too.
    await until("both workers listening", () => (server.logs().match(/keyledger listening on/g) ?? []).length >= 2 ? true : undefined);
  });

  after(async () => {
    await server?.kill();
    await database?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves audited reads from two processes on one port, and adds up their metrics", async () => {
    expect(childrenOf(server.child.pid!)).to.have.length(2);

    const { token } = await signUpThroughOutbox(server.url, path.join(dir, "data"));
    const vault = await expectStatus(server.request("POST", "/v1/vaults", { token, body: { name: "workers" } }), 201, "vault");
    const secretUrl = `${server.url}/v1/vaults/${vault.id}/secrets/app/key`;
    await expectStatus(server.request("PUT", `/v1/vaults/${vault.id}/secrets/app/key`, { token, body: { value: "worker-value" } }), 201, "put");

    const before = await metric(server.url, "/v1/vaults/{vault_id}/secrets/{path+}", 200);
    const reads = 20;
    const statuses = await Promise.all(Array.from({ length: reads }, () =>
      getOnNewConnection(secretUrl, { authorization: `Bearer ${token}` })));
    expect(statuses).to.deep.equal(Array(reads).fill(200));
    // Connections go to the workers in turn: one worker's figures alone would show about half of the reads.
    expect((await metric(server.url, "/v1/vaults/{vault_id}/secrets/{path+}", 200)) - before).to.equal(reads);
    // Every value that left was audited first, whichever worker served it.
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: number }>("select count(*)::int as n from eventstore_events where event_type = 'SecretValueRead'");
      expect(rows[0].n).to.equal(reads);
    } finally {
      await client.end();
    }
    // The read models are led by one worker and read by both: the lag is the most behind, not a sum.
    expect(await metricsText(server.url)).to.match(/^keyledger_projection_lag_seconds\{projection="secrets"\} \d/m);
  });

  it("replaces a worker that dies while the other keeps answering", async () => {
    const [victim, survivor] = childrenOf(server.child.pid!);
    process.kill(victim, "SIGKILL");
    // Once the supervisor has seen the death (a connection handed over before that is lost with the worker),
    // the survivor takes every new connection.
    await until("the supervisor seeing the death", () =>
      server.logs().includes("API worker exited; starting another") ? true : undefined);
    for (let i = 0; i < 6; i++) expect(await getOnNewConnection(`${server.url}/v1/health`)).to.equal(200);
    const replaced = await until("a replacement worker", () => {
      const found = childrenOf(server.child.pid!);
      return found.length === 2 && !found.includes(victim) ? found : undefined;
    });
    expect(replaced).to.include(survivor);
    await until("the replacement listening", () =>
      (server.logs().match(/keyledger listening on/g) ?? []).length >= 3 ? true : undefined);
    for (let i = 0; i < 6; i++) expect(await getOnNewConnection(`${server.url}/v1/health`)).to.equal(200);
  });

  it("stops every worker gracefully on SIGTERM and exits 0", async () => {
    const workers = childrenOf(server.child.pid!);
    const exit = await server.stop();
    expect(exit).to.deep.equal({ code: 0, signal: null });
    for (const pid of workers) expect(() => process.kill(pid, 0), `worker ${pid} still runs`).to.throw();
    expect((server.logs().match(/"msg":"stopped"/g) ?? []).length).to.equal(3);
  });

  it("stops as well while a worker is still starting", async () => {
    const starting = await ChildServer.spawn(env);
    try {
      await starting.waitHealthy();
      // The first worker answers; the second was forked when it began to listen and is still loading.
      const exit = await starting.stop();
      expect(exit).to.deep.equal({ code: 0, signal: null });
    } finally {
      await starting.kill();
    }
  });
});

async function metricsText(url: string): Promise<string> {
  const response = await fetch(`${url}/metrics`);
  const text = await response.text();
  expect(response.status, text).to.equal(200);
  return text;
}

/** keyledger_http_requests_total for this route and status, summed over methods. */
async function metric(url: string, route: string, status: number): Promise<number> {
  let total = 0;
  for (const line of (await metricsText(url)).split("\n")) {
    if (line.startsWith("keyledger_http_requests_total{") && line.includes(`route="${route}"`) && line.includes(`status="${status}"`)) {
      total += Number(line.slice(line.lastIndexOf(" ") + 1));
    }
  }
  return total;
}
