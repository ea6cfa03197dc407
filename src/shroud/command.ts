/** `keyledger shroud` until SIGINT or SIGTERM, then a graceful stop (a second signal forces exit). */
import type { Config } from "../config.js";
import type { Logger } from "../log.js";
import type { ShroudProcessConfig } from "./config.js";
import { startShroud } from "./server.js";

export async function shroudCommand(config: Config, shroud: ShroudProcessConfig, logger: Logger): Promise<void> {
  const running = await startShroud(config, shroud, logger);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      process.removeAllListeners("SIGINT").removeAllListeners("SIGTERM");
      process.once("SIGINT", () => process.exit(130)).once("SIGTERM", () => process.exit(143));
      logger.info({ signal }, "shroud shutting down");
      running.close().then(resolve, resolve);
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  });
  logger.info({}, "shroud stopped");
}
