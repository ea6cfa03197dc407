/**
 * Identity figures, over HTTP against a running server:
 * - agent-token exchanges/s: `POST /v1/auth/agent-token` (key lookup and constant-time hash check, an EdDSA
 *   signature through the key provider, the AccessTokenIssued append and the read-your-writes wait);
 * - authenticated requests/s: `GET /v1/agents/me` with an agent JWT (signature verification, revocation
 *   check, subject lookup, IP rules), and the same with the `ocv_` key as the bearer token.
 *
 *   node --import tsx bench/auth.ts [--url URL --email E --password P] [--trials 3] [--seconds 3] [--concurrency 1,16]
 *
 * Without --url, a server is started as a child process (`keyledger serve`, so the load generator does not
 * share its event loop) on a fresh data directory, with the auth rate limits lifted: on a scratch PostgreSQL
 * database when DATABASE_URL is set and on a throwaway SoftHSM token when PKCS11_MODULE is set, else
 * embedded (PGlite, local keys). Its user signs up through the dev outbox. With --url, the user must exist.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { freshPostgres, postgresServerUrl } from "../test/support/databases.js";
import { softHsmToken } from "../test/support/softhsm.js";
import { cleanUpEverything, onCleanup } from "./cleanup.js";
import { describeLoad, note, Report, timedLoad } from "./stats.js";

const { values } = parseArgs({
  options: {
    url: { type: "string" },
    email: { type: "string" },
    password: { type: "string" },
    trials: { type: "string", default: "3" },
    seconds: { type: "string", default: "3" },
    concurrency: { type: "string", default: "1,16" },
  },
});

interface Target {
  url: string;
  /** What the server runs on, for the report. */
  label: string;
  email: string;
  password: string;
}

async function call(url: string, method: string, route: string, options: { body?: unknown; token?: string } = {}) {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(`${url}${route}`, { method, headers, 
    body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().once("error", reject).listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function waitForHealth(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited with code ${child.exitCode}`);
    if (await fetch(`${url}/v1/health`).then((r) => r.ok, () => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error("the server did not answer /v1/health within 60 s");
}

/** Signup, the verification token from the server's dev outbox, verify-email: a user who can log in. */
async function signUp(url: string, dataDir: string): Promise<{ email: string; password: string }> {
  const email = `bench-${randomUUID()}@example.test`;
  const password = `pw-${randomUUID()}`;
  await call(url, "POST", "/v1/auth/signup", { body: { email, password } });
  const outbox = path.join(dataDir, "outbox");
  for (const file of await readdir(outbox)) {
    const text = await readFile(path.join(outbox, file), "utf8");
    const token = text.startsWith(`To: ${email}\n`) && /verify-email:\n(\S+)\n/.exec(text)?.[1];
    if (token) {
      await call(url, "POST", "/v1/auth/verify-email", { body: { token } });
      return { email, password };
    }
  }
  throw new Error("no verification mail in the outbox");
}

async function startChildServer(): Promise<Target> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "keyledger-bench-auth-"));
  onCleanup(() => rm(dataDir, { recursive: true, force: true }));
  const port = await freePort();
  const env: Record<string, string | undefined> = {
    ...process.env, PORT: String(port), HOST: "127.0.0.1", KEYLEDGER_DATA_DIR: dataDir, LOG_LEVEL: "warn",
    RATE_LIMIT_AUTH_BURST: "1000000000", RATE_LIMIT_AUTH_PER_SECOND: "1000000000",
  };
  const parts: string[] = [];
  if (postgresServerUrl) {
    const database = await freshPostgres();
    onCleanup(() => database.dispose());
    env.DATABASE_URL = database.url;
    parts.push("postgres");
  } else {
    delete env.DATABASE_URL;
    parts.push("pglite");
  }
  if (process.env.PKCS11_MODULE) {
    const token = softHsmToken(`bench-auth-${process.pid}`);
    // softHsmToken points SOFTHSM2_CONF at its throwaway token directory: the server must see it too.
    Object.assign(env, { KEY_PROVIDER: "pkcs11", PKCS11_MODULE: token.modulePath, PKCS11_PIN: token.pin,
      PKCS11_TOKEN_LABEL: "label" in token.token ? token.token.label : "", SOFTHSM2_CONF: process.env.SOFTHSM2_CONF });
    parts.push("softhsm");
  } else {
    parts.push("local keys");
  }
  const bin = fileURLToPath(new URL("../bin/keyledger.js", import.meta.url));
  const child = spawn(process.execPath, [bin, "serve"], { env, stdio: ["ignore", "ignore", "inherit"] });
  onCleanup(() => new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  }));
  const url = `http://127.0.0.1:${port}`;
  note(`starting keyledger serve on ${url} (${parts.join(" + ")})`);
  await waitForHealth(url, child);
  return { url, label: parts.join("+"), ...(await signUp(url, dataDir)) };
}

async function main(): Promise<void> {
  const target: Target = values.url
    ? { url: values.url.replace(/\/+$/, ""), label: "remote", email: values.email ?? "", password: values.password ?? "" }
    : await startChildServer();
  if (!target.email || !target.password) throw new Error("--url needs --email and --password of an existing user");
  const trials = Number(values.trials);
  const seconds = Number(values.seconds);
  const concurrencies = values.concurrency!.split(",").map(Number);

  const login = await call(target.url, "POST", "/v1/auth/token", { body: { email: target.email, password: target.password } });
  const created = await call(target.url, "POST", "/v1/agents", { token: login.access_token, body: { name: "bench-agent" } });
  const apiKey: string = created.api_key;
  const { access_token: agentJwt } = await call(target.url, "POST", "/v1/auth/agent-token", { body: { api_key: apiKey } });

  const report = new Report();
  const measures: Array<[string, () => Promise<unknown>]> = [
    ["agent-token exchange", () => call(target.url, "POST", "/v1/auth/agent-token", { body: { api_key: apiKey } })],
    ["GET /v1/agents/me (JWT)", () => call(target.url, "GET", "/v1/agents/me", { token: agentJwt })],
    ["GET /v1/agents/me (ocv_ key)", () => call(target.url, "GET", "/v1/agents/me", { token: apiKey })],
  ];
  for (const [measure, operation] of measures) {
    for (const concurrency of concurrencies) {
      note(`${measure} c=${concurrency}`);
      const result = await timedLoad({ concurrency, trials, seconds }, operation);
      report.add({ target: target.label, measure: `${measure} c=${concurrency}`, rate: result.rate, unit: "req/s",
        detail: describeLoad(result) });
    }
  }
  console.log(`\n${report.markdown()}`);
}

try {
  await main();
} finally {
  await cleanUpEverything();
}
