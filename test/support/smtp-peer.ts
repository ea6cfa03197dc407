/** A real SMTP peer (smtp-server on a free port) that keeps what the server under test mails. */
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

export interface Mail { to: string[]; text: string }

export interface SmtpPeer {
  url: string;
  /** The next mail to the address (or one that already came). */
  mailTo(address: string): Promise<Mail>;
  close(): Promise<void>;
}

/** Undoes quoted-printable's soft line breaks and escapes. */
function decode(body: string): string {
  return body.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

export async function startSmtpPeer(): Promise<SmtpPeer> {
  const received: Mail[] = [];
  const waiting: Array<{ address: string; resolve: (mail: Mail) => void }> = [];
  const smtp = new SMTPServer({
    authOptional: true, disabledCommands: ["STARTTLS"],
    onData(stream, session, done) {
      let body = "";
      stream.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
      stream.on("end", () => {
        const mail = { to: session.envelope.rcptTo.map((r) => r.address), text: decode(body) };
        received.push(mail);
        for (const waiter of waiting.splice(0)) {
          if (mail.to.includes(waiter.address)) waiter.resolve(mail);
          else waiting.push(waiter);
        }
        done();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
  const { port } = smtp.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mailTo(address) {
      const already = received.find((mail) => mail.to.includes(address));
      if (already) return Promise.resolve(already);
      return new Promise((resolve) => waiting.push({ address, resolve }));
    },
    close: () => new Promise<void>((resolve) => smtp.close(resolve)),
  };
}
