/**
 * Starts the real server for integration tests on the parts this run covers (see app-config.ts), with its
 * log lines captured so tests can scan them, and small fetch helpers.
 */
import { Writable } from "node:stream";
import { startServer, type RunningServer } from "../../src/app/server.js";
import type { Config } from "../../src/config.js";
import { createLogger } from "../../src/log.js";
import { testConfig } from "./app-config.js";
import { TestClock } from "./clock.js";

export interface TestServer {
  url: string;
  server: RunningServer;
  config: Config;
  /** The server's clock: move it to reach an expiry instead of sleeping. */
  clock: TestClock;
  /** Every log line the server wrote so far. */
  logs(): string;
  /** fetch against the server; JSON bodies are serialised; answers status, headers and parsed body. */
  request(method: string, path: string, options?: { body?: unknown; token?: string; headers?: Record<string, string> }):
    Promise<{ status: number; headers: Headers; body: any }>;
  close(): Promise<void>;
}

export async function startTestServer(label = "app", overrides: Partial<Config> = {}): Promise<TestServer> {
  const setup = await testConfig(label);
  const config = { ...setup.config, ...overrides };
  let captured = "";
  const sink = new Writable({ write(chunk, _encoding, done) { captured += chunk; done(); } });
  const clock = new TestClock();
  const server = await startServer(config, createLogger({ level: "debug", destination: sink }), { clock: clock.now });
  return {
    url: server.url,
    server,
    config,
    clock,
    logs: () => captured,
    async request(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      let body: string | undefined;
      if (options.body !== undefined) {
        headers["content-type"] ??= "application/json";
        body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
      }
      const response = await fetch(`${server.url}${path}`, { method, headers, body });
      const text = await response.text();
      let parsed: unknown = text;
      try { parsed = text ? JSON.parse(text) : undefined; } catch { /* not JSON: keep the text */ }
      return { status: response.status, headers: response.headers, body: parsed };
    },
    async close() {
      await server.close();
      await setup.dispose();
    },
  };
}
