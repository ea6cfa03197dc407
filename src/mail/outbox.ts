/**
 * The development mailer: each message is written as a file in the data directory's outbox, and the log
 * says where. Never into the log itself: some messages carry credentials (an enrolled agent's API key).
 */
import { randomUUID } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "../log.js";
import type { Mailer, MailMessage } from "./port.js";

export function createOutboxMailer(directory: string, logger: Logger): Mailer {
  return {
    kind: "outbox",
    async send(message: MailMessage) {
      await mkdir(directory, { recursive: true, mode: 0o700 });
      const file = path.join(directory, `${new Date().toISOString().replace(/[:.]/g, "-")}-${randomUUID()}.eml`);
      const text = `To: ${message.to}\nSubject: ${message.subject}\n\n${message.text}\n`;
      await writeFile(file, text, { mode: 0o600 });
      logger.info({ file }, "mail written to the outbox (no SMTP_URL configured)");
    },
    async close() {},
  };
}
