/** Outgoing mail over SMTP (SMTP_URL), through nodemailer's pooled transport. */
import { createRequire } from "node:module";
import type Nodemailer from "nodemailer";
import type { Logger } from "../log.js";
import type { Mailer, MailMessage } from "./port.js";

const require = createRequire(import.meta.url);

export function createSmtpMailer(options: { url: string; from: string }, logger: Logger): Mailer {
  // Loaded here, not at start: only servers that send mail over SMTP need it.
  const nodemailer = require("nodemailer") as typeof Nodemailer;
  const transport = nodemailer.createTransport(options.url);
  return {
    kind: "smtp",
    async send(message: MailMessage) {
      const info = await transport.sendMail({ from: options.from, to: message.to, subject: message.subject, text: message.text });
      // The message id only: bodies can carry credentials (an enrolled agent's API key), subjects can name secrets.
      logger.info({ messageId: info.messageId }, "mail sent over SMTP");
    },
    async close() {
      transport.close();
    },
  };
}
