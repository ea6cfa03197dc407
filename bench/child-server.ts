/**
 * A Keyledger server for HTTP benchmarks, started as a child process (`keyledger serve`, so the load
 * generator does not share its event loop) on a fresh data directory with the auth rate limits lifted: on a
 * scratch PostgreSQL database when DATABASE_URL is set and on a throwaway SoftHSM token when PKCS11_MODULE
 * is set, else embedded (PGlite, local keys); plus a user signed up through the dev outbox.
 * BENCH_KEYLEDGER_BIN runs another build's bin (e.g. the previous commit's), to measure before and after
 * back to back.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freshPostgres, postgresServerUrl } from "../test/support/databases.js";
import { softHsmToken } from "../test/support/softhsm.js";
import { onCleanup } from "./cleanup.js";
import { note } from "./stats.js";

export interface BenchTarget {
  url: string;
  /** What the server runs on, for the report. */
  label: string;
  email: string;
  password: string;
  /** The environment the server runs with (its stores), for another process on the same stores. */
  env?: Record<string, string | undefined>;
}

/** A started child server, with what a load run needs to look behind the API. */
export interface ChildServer extends BenchTarget {
  /** The scratch PostgreSQL database (undefined when embedded). */
  databaseUrl?: string;
  /** The server's data directory (the embedded database lives in `pglite/` under it). */
  dataDir: string;
  /** Milliseconds from spawning `keyledger serve` on the fresh stores to its first healthy `/v1/health`. */
  coldStartMs: number;
  /** Stops the server (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
  /** Stops it and starts it again on the same stores: answers the milliseconds to healthy. */
  restart(): Promise<number>;
}

export interface ChildServerOptions {
  /** Extra options for node before the bin (e.g. `--cpu-prof`). */
  nodeArgs?: string[];
  /** Extra environment for the server. */
  env?: Record<string, string>;
  /** Run embedded (PGlite, local keys) even when DATABASE_URL / PKCS11_MODULE are set. */
  embedded?: boolean;
}

export async function call(url: string, method: string, route: string, options: { body?: unknown; token?: string } = {}) {
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
  const deadline = Date.now() + 600_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited with code ${child.exitCode}`);
    if (await fetch(`${url}/v1/health`).then((r) => r.ok, () => false)) return;
    // Polled often: the time to the first healthy answer is the cold start figure.
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error("the server did not answer /v1/health within 600 s");
}

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

export async function startChildServer(label: string, options: ChildServerOptions = {}): Promise<ChildServer> {
  const dataDir = await mkdtemp(path.join(tmpdir(), `keyledger-bench-${label}-`));
  onCleanup(() => rm(dataDir, { recursive: true, force: true }));
  const port = await freePort();
  const env: Record<string, string | undefined> = {
    ...process.env, PORT: String(port), HOST: "127.0.0.1", KEYLEDGER_DATA_DIR: dataDir, LOG_LEVEL: "warn",
    RATE_LIMIT_AUTH_BURST: "1000000000", RATE_LIMIT_AUTH_PER_SECOND: "1000000000", ...options.env,
  };
  const parts: string[] = [];
  if (postgresServerUrl && !options.embedded) {
    const database = await freshPostgres();
    onCleanup(() => database.dispose());
    env.DATABASE_URL = database.url;
    parts.push("postgres");
  } else {
    delete env.DATABASE_URL;
    parts.push("pglite");
  }
  if (options.embedded) {
    for (const name of ["KEY_PROVIDER", "PKCS11_MODULE", "PKCS11_PIN", "PKCS11_TOKEN_LABEL"]) delete env[name];
  }
  if (process.env.PKCS11_MODULE && !options.embedded) {
    const token = softHsmToken(`bench-${label}-${process.pid}`);
    // softHsmToken points SOFTHSM2_CONF at its throwaway token directory: the server must see it too.
    Object.assign(env, { KEY_PROVIDER: "pkcs11", PKCS11_MODULE: token.modulePath, PKCS11_PIN: token.pin,
      PKCS11_TOKEN_LABEL: "label" in token.token ? token.token.label : "", SOFTHSM2_CONF: process.env.SOFTHSM2_CONF });
    parts.push("softhsm");
  } else {
    parts.push("local keys");
  }
  const url = `http://127.0.0.1:${port}`;
  const bin = process.env.BENCH_KEYLEDGER_BIN ?? fileURLToPath(new URL("../bin/keyledger.js", import.meta.url));
  let stopCurrent: () => Promise<void> = async () => {};
  /** Spawns `keyledger serve` and answers the milliseconds until its first healthy /v1/health. */
  const spawnServer = async () => {
    note(`starting keyledger serve on ${url} (${parts.join(" + ")})`);
    const spawnedAt = performance.now();
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), bin, "serve"], { env, stdio: ["ignore", "ignore", "inherit"] });
    stopCurrent = onCleanup(() => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    }));
    await waitForHealth(url, child);
    return performance.now() - spawnedAt;
  };
  const coldStartMs = await spawnServer();
  const stop = () => stopCurrent();
  const restart = async () => {
    await stop();
    return spawnServer();
  };
  return { url, label: parts.join("+"), env, databaseUrl: env.DATABASE_URL, dataDir, coldStartMs, stop, restart,
    ...(await signUp(url, dataDir)) };
}
