/** Outgoing mail over SMTP (SMTP_URL), through nodemailer's pooled transport. */
import nodemailer from "nodemailer";
import type { Logger } from "../log.js";
import type { Mailer, MailMessage } from "./port.js";

export function createSmtpMailer(options: { url: string; from: string }, logger: Logger): Mailer {
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
