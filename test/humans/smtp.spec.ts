/** With SMTP_URL, verification mail goes to a real SMTP peer (smtp-server on a free port), and signup completes. */
import { expect } from "chai";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { startTestServer, type TestServer } from "../support/server.js";

interface Received { from: string; to: string[]; body: string }

describe("signup with mail over SMTP", () => {
  let smtp: SMTPServer;
  let server: TestServer;
  const received: Received[] = [];
  let arrived: (mail: Received) => void = () => {};

  before(async () => {
    smtp = new SMTPServer({
      authOptional: true, disabledCommands: ["STARTTLS"],
      onAuth(auth, _session, done) {
        done(auth.username === "mailer" && auth.password === "smtp-secret" ? null : new Error("bad login"), { user: auth.username });
      },
      onData(stream, session, done) {
        let body = "";
        stream.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
        stream.on("end", () => {
          const mail = { from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
            to: session.envelope.rcptTo.map((r) => r.address), body };
          received.push(mail);
          arrived(mail);
          done();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
    const { port } = smtp.server.address() as AddressInfo;
    server = await startTestServer("humans-smtp", {
      smtpUrl: `smtp://mailer:smtp-secret@127.0.0.1:${port}`, mailFrom: "Keyledger <vault@example.test>",
    });
  });
  after(async () => {
    await server?.close();
    await new Promise<void>((resolve) => smtp.close(resolve));
  });

  it("delivers the verification token, which creates the account", async () => {
    const delivered = new Promise<Received>((resolve) => { arrived = resolve; });
    const signup = await server.request("POST", "/v1/auth/signup", { body: { email: "smtp@example.test", password: "smtp user password" } });
    expect(signup.status).to.equal(200);
    const mail = await delivered;
    expect(mail.to).to.deep.equal(["smtp@example.test"]);
    expect(mail.from).to.equal("vault@example.test");
    // The body is quoted-printable: undo its soft line breaks and escapes.
    const text = mail.body.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    const token = /verify-email:\r?\n(\S+)\r?\n/.exec(text)?.[1];
    expect(token, "token in the mail").to.be.a("string");
    const verified = await server.request("POST", "/v1/auth/verify-email", { body: { token } });
    expect(verified.status).to.equal(200);
    expect(verified.body.access_token).to.be.a("string");
    expect(server.logs()).to.include("mail sent over SMTP").and.not.include(token!);
  });
});
