import type { Config } from "../config.js";
import type { Logger } from "../log.js";
import { startServerWhenDatabaseAnswers } from "../app/wait-for-database.js";

/**
 * Runs the server until SIGINT or SIGTERM, then shuts down gracefully (a second signal forces exit). While
 * the database cannot be reached at start, it waits for it (see wait-for-database.ts).
 */
export async function serveCommand(config: Config, logger: Logger): Promise<void> {
  const stopping = new AbortController();
  let stopped!: () => void;
  const shutdownDone = new Promise<void>((resolve) => (stopped = resolve));
  let server: Awaited<ReturnType<typeof startServerWhenDatabaseAnswers>>;
  const shutdown = (signal: string) => {
    process.removeAllListeners("SIGINT").removeAllListeners("SIGTERM");
    process.once("SIGINT", () => process.exit(130)).once("SIGTERM", () => process.exit(143));
    logger.info({ signal }, "shutting down");
    stopping.abort();
    if (server) server.close().then(stopped, stopped);
  };
  process.once("SIGINT", () => shutdown("SIGINT"));
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  server = await startServerWhenDatabaseAnswers(config, logger, { signal: stopping.signal });
  if (!server) {
    logger.info({}, "stopped before the database answered");
    return;
  }
  // A signal that came during start-up: close what was just opened.
  if (stopping.signal.aborted) await server.close();
  else await shutdownDone;
  logger.info({}, "stopped");
}
