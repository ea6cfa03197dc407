/**
 * Starting while PostgreSQL is down: instead of exiting, the server waits for it, retrying with backoff,
 * and meanwhile answers on its port that it is unavailable (503 on /v1/health, a 503 problem elsewhere),
 * so that an orchestrator sees a live but unready process.
 */
import { createServer, type Server } from "node:http";
import type { Config } from "../config.js";
import { failureReason, isConnectionFailure } from "../db/connection-state.js";
import { databaseAnswers } from "../db/postgres.js";
import type { Logger } from "../log.js";
import { version } from "../version.js";
import { startServer, type RunningServer } from "./server.js";

interface Standby {
  port: number;
  close(): Promise<void>;
}

async function openStandby(host: string, port: number): Promise<Standby> {
  const server: Server = createServer((request, response) => {
    const health = request.url === "/v1/health" || request.url?.startsWith("/v1/health?");
    const body = health
      ? { status: "unavailable", service: "keyledger", version, database: "unavailable" }
      : { type: "about:blank", title: "Service Unavailable", status: 503, detail: "the database is not answering; retry later" };
    response.writeHead(503, {
      "content-type": health ? "application/json" : "application/problem+json", "retry-after": "1", connection: "close",
    });
    response.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(port, host, resolve));
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

export interface StartOptions {
  /** Aborted by a shutdown signal while waiting: resolves undefined instead of starting. */
  signal: AbortSignal;
  minDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * startServer, retried for as long as the failure is that the database cannot be reached (any other
 * failure, e.g. a wrong setting, is thrown at once).
 */
export async function startServerWhenDatabaseAnswers(config: Config, logger: Logger, options: StartOptions):
  Promise<RunningServer | undefined> {
  const { signal, minDelayMs = 250, maxDelayMs = 5000 } = options;
  let standby: Standby | undefined;
  let port = config.port;
  let delayMs = minDelayMs;
  try {
    for (;;) {
      try {
        if (standby) {
          // Wait on a probe, not on full starts, so the standby keeps the port until the database answers.
          await databaseAnswers(config.databaseUrl!, "keyledger-startup", 2000);
          await standby.close();
          standby = undefined;
        }
        return await startServer({ ...config, port }, logger);
      } catch (error) {
        if (!config.databaseUrl || !isConnectionFailure(error)) throw error;
        if (signal.aborted) return undefined;
        logger.warn({ err: failureReason(error), retryInMs: delayMs },
          "the database is unavailable; not ready, waiting for it");
        if (!standby) {
          standby = await openStandby(config.host, port);
          port = standby.port;
        }
        await sleep(delayMs, signal);
        if (signal.aborted) return undefined;
        delayMs = Math.min(delayMs * 2, maxDelayMs);
      }
    }
  } finally {
    await standby?.close();
  }
}
