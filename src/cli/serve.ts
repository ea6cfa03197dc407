import type { Config } from "../config.js";
import type { Logger } from "../log.js";
import { startServer } from "../app/server.js";

/** Runs the server until SIGINT or SIGTERM, then shuts down gracefully (a second signal forces exit). */
export async function serveCommand(config: Config, logger: Logger): Promise<void> {
  const server = await startServer(config, logger);
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      process.removeAllListeners("SIGINT").removeAllListeners("SIGTERM");
      process.once("SIGINT", () => process.exit(130)).once("SIGTERM", () => process.exit(143));
      logger.info({ signal }, "shutting down");
      server.close().then(resolve, resolve);
    };
    process.once("SIGINT", () => shutdown("SIGINT"));
    process.once("SIGTERM", () => shutdown("SIGTERM"));
  });
  logger.info({}, "stopped");
}
