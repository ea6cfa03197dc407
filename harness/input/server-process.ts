/**
 * The server the input harnesses attack: `keyledger serve` in a child process on a scratch PostgreSQL
 * database (DATABASE_URL, else the machine's 127.0.0.1:5432; created here and dropped after), SoftHSM keys
 * on a throwaway token when PKCS11_MODULE is set, else local keys. The harness reads the event log's head
 * straight from the database (not through the server under test), the child's memory from /proc, and keeps
 * every line the server logged for the leak scan.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { softHsmToken } from "../../test/support/softhsm.js";

export const DEFAULT_DATABASE_SERVER = "postgres://postgres@127.0.0.1:5432/postgres";

export interface ServerProcess {
  url: string;
  dataDir: string;
  databaseUrl: string;
  /** What it runs on, for the report. */
  parts: string;
  /** Every line the server wrote to stdout and stderr so far. */
  logs(): string;
  /**
   * The event log's head (the highest global position, 0 when empty), leaving out the facts the server records
   * on its own schedule, whatever request is in flight: usage counts (flushed each second) and audit head signatures.
   */
  head(): Promise<string>;
  /** The child's resident memory in MiB (from /proc). */
  rssMiB(): Promise<number>;
  alive(): boolean;
  /** A pg client on the server's database, for scans. */
  query<R extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<R[]>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().once("error", reject).listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function adminQuery(serverUrl: string, sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

async function waitHealthy(url: string, child: ChildProcess, logs: () => string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited with code ${child.exitCode}:\n${logs().slice(-2000)}`);
    if (await fetch(`${url}/v1/health`).then((r) => r.ok, () => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error("the server did not answer /v1/health within 120 s");
}

export async function startServerProcess(label: string): Promise<ServerProcess> {
  const serverUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_SERVER;
  const database = `keyledger_${label.replace(/\W/g, "_")}_${randomBytes(4).toString("hex")}`;
  await adminQuery(serverUrl, `create database ${database}`);
  const databaseUrl = withDatabase(serverUrl, database);
  const dataDir = await mkdtemp(path.join(tmpdir(), `keyledger-${label}-`));
  const port = await freePort();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", PORT: String(port), HOST: "127.0.0.1",
    KEYLEDGER_DATA_DIR: dataDir, DATABASE_URL: databaseUrl, LOG_LEVEL: "info",
    // No signed audit heads during the run: the harness reads the log's head to see whether a request wrote.
    AUDIT_SIGN_INTERVAL_SECONDS: "86400",
    RATE_LIMIT_AUTH_BURST: "1000000000", RATE_LIMIT_AUTH_PER_SECOND: "1000000000",
  };
  const parts = ["postgres"];
  if (process.env.PKCS11_MODULE) {
    const token = softHsmToken(`${label}-${process.pid}`);
    Object.assign(env, { KEY_PROVIDER: "pkcs11", PKCS11_MODULE: token.modulePath, PKCS11_PIN: token.pin,
      PKCS11_TOKEN_LABEL: "label" in token.token ? token.token.label : "", SOFTHSM2_CONF: process.env.SOFTHSM2_CONF ?? "" });
    parts.push("softhsm");
  } else {
    env.KEY_PROVIDER = "local";
    parts.push("local keys");
  }
  const bin = fileURLToPath(new URL("../../bin/keyledger.js", import.meta.url));
  const child = spawn(process.execPath, [bin, "serve"], { env, stdio: ["ignore", "pipe", "pipe"] });
  let logs = "";
  child.stdout!.on("data", (chunk: Buffer) => { logs += chunk.toString("utf8"); });
  child.stderr!.on("data", (chunk: Buffer) => { logs += chunk.toString("utf8"); });
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    process.off("SIGINT", interrupted).off("SIGTERM", interrupted);
    if (child.exitCode === null) {
      await new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      });
    }
    await pool.end().catch(() => {});
    await adminQuery(serverUrl, `drop database if exists ${database} with (force)`).catch(() => {});
    await rm(dataDir, { recursive: true, force: true });
  };
  // Interrupted (Ctrl-C): the child, its scratch database and its data directory go too.
  const interrupted = () => void stop().finally(() => process.exit(130));
  process.once("SIGINT", interrupted).once("SIGTERM", interrupted);
  try {
    await waitHealthy(url, child, () => logs);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url, dataDir, databaseUrl, parts: parts.join(" + "),
    logs: () => logs,
    async head() {
      const { rows } = await pool.query<{ n: string | null }>(`select max(global_position)::text as n from eventstore_events
          where event_type not in ('RequestsCounted', 'AuditHeadSigned')`);
      return rows[0].n ?? "0";
    },
    async rssMiB() {
      const status = await readFile(`/proc/${child.pid}/status`, "utf8").catch(() => "");
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      return Math.round(kb / 1024);
    },
    alive: () => child.exitCode === null && child.signalCode === null,
    async query(sql, params) {
      return (await pool.query(sql, params as unknown[])).rows;
    },
    stop,
  };
}

/** Signs a user up through the dev outbox and logs in: what a person would do. */
export async function signUp(server: ServerProcess): Promise<{ email: string; password: string; token: string; userId: string; orgId: string }> {
  const email = `harness-${randomUUID()}@example.test`;
  const password = `pw-${randomUUID()}`;
  await expectJson(server.url, "POST", "/v1/auth/signup", { body: { email, password } });
  const outbox = path.join(server.dataDir, "outbox");
  let token: string | undefined;
  for (const file of await readdir(outbox)) {
    const text = await readFile(path.join(outbox, file), "utf8");
    if (text.startsWith(`To: ${email}\n`)) token = /verify-email:\n(\S+)\n/.exec(text)?.[1] ?? token;
  }
  if (!token) throw new Error("no verification mail in the outbox");
  await expectJson(server.url, "POST", "/v1/auth/verify-email", { body: { token } });
  const login = await expectJson(server.url, "POST", "/v1/auth/token", { body: { email, password } });
  const me = await expectJson(server.url, "GET", "/v1/auth/me", { token: login.access_token });
  return { email, password, token: login.access_token, userId: me.id, orgId: me.org_id };
}

/** A JSON call that must succeed (2xx); answers the parsed body. */
export async function expectJson(url: string, method: string, route: string, options: { body?: unknown; token?: string } = {}) {
  const response = await fetch(`${url}${route}`, {
    method,
    headers: { ...(options.body !== undefined && { "content-type": "application/json" }),
      ...(options.token && { authorization: `Bearer ${options.token}` }) },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}
