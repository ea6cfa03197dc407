/**
 * `keyledger serve` in a child process, for tests and harnesses that must see the process itself: whether
 * it survives a fault, or what is left after a SIGKILL. Its output is captured; requests go over HTTP.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const KEYLEDGER_BIN = fileURLToPath(new URL("../../bin/keyledger.js", import.meta.url));

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().once("error", reject).listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export interface Reply {
  status: number;
  body: any;
}

/** One HTTP call; JSON in and out. Network failures reject. */
export async function call(url: string, method: string, route: string,
  options: { body?: unknown; token?: string; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(`${url}${route}`, {
    method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
  });
  const text = await response.text();
  let body: unknown = text;
  try { body = text ? JSON.parse(text) : undefined; } catch { /* not JSON */ }
  return { status: response.status, body };
}

export async function expectStatus(reply: Promise<Reply>, status: number, step: string): Promise<any> {
  const r = await reply;
  if (r.status !== status) throw new Error(`${step}: expected ${status}, got ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** Servers still running when this process exits (an interrupted harness) are not left behind. */
const running = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

export class ChildServer {
  private output = "";
  private exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly url: string;

  private constructor(readonly child: ChildProcess, readonly port: number, readonly env: Record<string, string | undefined>) {
    this.url = `http://127.0.0.1:${port}`;
    child.stdout?.on("data", (chunk) => (this.output += chunk));
    child.stderr?.on("data", (chunk) => (this.output += chunk));
    running.add(child);
    this.exited = new Promise((resolve) => child.once("exit", (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    }));
  }

  /** Starts `keyledger serve` with env (PORT and HOST are set here). Does not wait for it to answer. */
  static async spawn(env: Record<string, string | undefined>, port?: number, options: { umask?: string } = {}): Promise<ChildServer> {
    const chosen = port ?? (await freePort());
    const full = { ...process.env, ...env, PORT: String(chosen), HOST: "127.0.0.1" };
    const [command, args] = options.umask
      ? ["sh", ["-c", `umask ${options.umask} && exec "$0" "$@"`, process.execPath, KEYLEDGER_BIN, "serve"]]
      : [process.execPath, [KEYLEDGER_BIN, "serve"]];
    const child = spawn(command, args, { env: full, stdio: ["ignore", "pipe", "pipe"] });
    return new ChildServer(child, chosen, full);
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  logs(): string {
    return this.output;
  }

  /** Resolves when /v1/health answers 200; rejects if the process exits first or after timeoutMs. */
  async waitHealthy(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.alive) throw new Error(`the server exited (${this.child.exitCode ?? this.child.signalCode}):\n${this.output.slice(-3000)}`);
      const ok = await fetch(`${this.url}/v1/health`, { signal: AbortSignal.timeout(2000) }).then((r) => r.status === 200, () => false);
      if (ok) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`the server did not become healthy within ${timeoutMs} ms:\n${this.output.slice(-3000)}`);
  }

  /** SIGKILL, and wait for the exit. */
  async kill(): Promise<void> {
    if (this.alive) this.child.kill("SIGKILL");
    await this.exited;
  }

  /** SIGTERM (graceful), and wait for the exit. */
  async stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.alive) this.child.kill("SIGTERM");
    return this.exited;
  }

  request(method: string, route: string, options: { body?: unknown; token?: string; headers?: Record<string, string>; timeoutMs?: number } = {}) {
    return call(this.url, method, route, options);
  }
}

/** Signs a user up through the dev outbox of dataDir and logs in; returns the access token. */
export async function signUpThroughOutbox(url: string, dataDir: string): Promise<{ email: string; password: string; token: string }> {
  const email = `user-${randomUUID()}@example.test`;
  const password = `pw-${randomUUID()}`;
  await expectStatus(call(url, "POST", "/v1/auth/signup", { body: { email, password } }), 200, "signup");
  const outbox = path.join(dataDir, "outbox");
  for (const file of await readdir(outbox)) {
    const text = await readFile(path.join(outbox, file), "utf8");
    const token = text.startsWith(`To: ${email}\n`) && /verify-email:\n(\S+)\n/.exec(text)?.[1];
    if (token) {
      await expectStatus(call(url, "POST", "/v1/auth/verify-email", { body: { token } }), 200, "verify-email");
      const login = await expectStatus(call(url, "POST", "/v1/auth/token", { body: { email, password } }), 200, "login");
      return { email, password, token: login.access_token };
    }
  }
  throw new Error("no verification mail in the outbox");
}
