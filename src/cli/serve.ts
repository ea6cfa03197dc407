import type { Config } from "../config.js";
import type { Logger } from "../log.js";
import cluster from "node:cluster";
import { onSupervisorShutdown, superviseWorkers } from "../app/workers.js";

/**
 * Runs the server until SIGINT or SIGTERM, then shuts down gracefully (a second signal forces exit). While
 * the database cannot be reached at start, it waits for it (see wait-for-database.ts). With more than one
 * worker configured, this process supervises them instead, and each of them runs the server (workers.ts).
 */
export async function serveCommand(config: Config, logger: Logger): Promise<void> {
  if (config.workers > 1 && cluster.isPrimary) return superviseWorkers(config.workers, logger);
  // Loaded here, not by the supervisor, which serves nothing: its start stays short, and so the first worker's.
  const { startServerWhenDatabaseAnswers } = await import("../app/wait-for-database.js");
  const stopping = new AbortController();
  let stopped!: () => void;
  const shutdownDone = new Promise<void>((resolve) => (stopped = resolve));
  let server: Awaited<ReturnType<typeof startServerWhenDatabaseAnswers>> | undefined;
  const shutdown = (signal: string) => {
    if (stopping.signal.aborted) return;
    process.removeAllListeners("SIGINT").removeAllListeners("SIGTERM");
    process.once("SIGINT", () => process.exit(130)).once("SIGTERM", () => process.exit(143));
    logger.info({ signal }, "shutting down");
    stopping.abort();
    if (server) server.close().then(stopped, stopped);
  };
  process.once("SIGINT", () => shutdown("SIGINT"));
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  onSupervisorShutdown(() => shutdown("supervisor"));
  try {
    server = await startServerWhenDatabaseAnswers(config, logger, { signal: stopping.signal });
    if (!server) {
      logger.info({}, "stopped before the database answered");
      return;
    }
    // A signal that came during start-up: close what was just opened.
    if (stopping.signal.aborted) await server.close();
    else await shutdownDone;
    logger.info({}, "stopped");
  } finally {
    // A worker's channel to its supervisor would keep it alive.
    if (cluster.isWorker) process.disconnect();
  }
}
