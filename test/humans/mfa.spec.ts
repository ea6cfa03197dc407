/** TOTP MFA over HTTP: enrolment, two-step login, one-time codes, recovery codes, disabling; and no plaintext at rest. */
import { expect } from "chai";
import { startTestServer, type TestServer } from "../support/server.js";
import { createUser, type TestUser } from "../support/identity.js";
import { codeFor } from "./totp-helper.js";
import { storedEventTexts } from "../support/events.js";

describe("TOTP MFA over HTTP", () => {
  let server: TestServer;
  let user: TestUser;
  let secret: string;
  let recoveryCodes: string[];
  const mfaTokens: string[] = [];

  before(async () => {
    server = await startTestServer("humans-mfa");
    user = await createUser(server);
  });
  after(async () => server?.close());

  const login = () => server.request("POST", "/v1/auth/token", { body: { email: user.email, password: user.password } });
  const verify = (mfa_token: string, code: string) => server.request("POST", "/v1/auth/mfa/verify", { body: { mfa_token, code } });

  it("refuses to confirm before setup, and with a wrong code", async () => {
    const early = await server.request("POST", "/v1/auth/mfa/verify-setup", { token: user.accessToken, body: { code: "123456" } });
    expect(early.status).to.equal(400);
    const setup = await server.request("POST", "/v1/auth/mfa/setup", { token: user.accessToken });
    expect(setup.status).to.equal(200);
    secret = setup.body.secret;
    expect(setup.body.otpauth_uri).to.match(/^otpauth:\/\/totp\/Keyledger/).and.include(`secret=${secret}`);
    const wrong = await server.request("POST", "/v1/auth/mfa/verify-setup",
      { token: user.accessToken, body: { code: codeFor(secret, server.clock.now(), 5) } });
    expect(wrong.status).to.equal(400);
    const status = await server.request("GET", "/v1/auth/mfa/status", { token: user.accessToken });
    expect(status.body).to.deep.equal({ enabled: false });
  });

  it("turns MFA on with a current code and shows ten recovery codes once", async () => {
    const confirmed = await server.request("POST", "/v1/auth/mfa/verify-setup",
      { token: user.accessToken, body: { code: codeFor(secret, server.clock.now()) } });
    expect(confirmed.status).to.equal(200);
    recoveryCodes = confirmed.body.recovery_codes;
    expect(recoveryCodes).to.have.length(10);
    expect(new Set(recoveryCodes).size).to.equal(10);
    expect((await server.request("GET", "/v1/auth/mfa/status", { token: user.accessToken })).body).to.deep.equal({ enabled: true });
    expect((await server.request("POST", "/v1/auth/mfa/setup", { token: user.accessToken })).status).to.equal(409);
    expect((await server.request("GET", "/v1/auth/me", { token: user.accessToken })).body.totp_enabled).to.equal(true);
  });

  it("asks for the second factor at login instead of answering a token", async () => {
    const first = await login();
    expect(first.status).to.equal(200);
    expect(first.body.mfa_required).to.equal(true);
    expect(first.body.access_token).to.equal(undefined);
    mfaTokens.push(first.body.mfa_token);
  });

  it("refuses the code that confirmed the setup (a code is good once), then takes the next one", async () => {
    const [mfaToken] = mfaTokens;
    expect((await verify(mfaToken, codeFor(secret, server.clock.now()))).status).to.equal(401);
    expect((await verify(mfaToken, "000000x")).status).to.equal(401);
    const ok = await verify(mfaToken, codeFor(secret, server.clock.now(), 1));
    expect(ok.status).to.equal(200);
    expect(ok.body.token_type).to.equal("Bearer");
    expect((await server.request("GET", "/v1/auth/me", { token: ok.body.access_token })).status).to.equal(200);
    // The challenge is spent.
    expect((await verify(mfaToken, recoveryCodes[0])).status).to.equal(401);
  });

  it("accepts a recovery code once", async () => {
    const second = (await login()).body.mfa_token;
    mfaTokens.push(second);
    expect((await verify(second, recoveryCodes[0].toUpperCase())).status).to.equal(200);
    const third = (await login()).body.mfa_token;
    mfaTokens.push(third);
    expect((await verify(third, recoveryCodes[0])).status).to.equal(401);
    expect((await verify(third, recoveryCodes[1])).status).to.equal(200);
  });

  it("refuses malformed, tampered and worn-out MFA tokens", async () => {
    expect((await verify("garbage", "123456")).status).to.equal(401);
    expect((await server.request("POST", "/v1/auth/mfa/verify", { body: { code: "123456" } })).status).to.equal(400);
    const token = (await login()).body.mfa_token as string;
    mfaTokens.push(token);
    const tampered = token.slice(0, -1) + (token.endsWith("A") ? "B" : "A");
    expect((await verify(tampered, recoveryCodes[2])).status).to.equal(401);
    for (let i = 0; i < 5; i++) expect((await verify(token, "999999x")).status).to.equal(401);
    // After five wrong codes the challenge is dead, even for a good code.
    expect((await verify(token, recoveryCodes[2])).status).to.equal(401);
  });

  it("disables MFA only with a valid code, not a password", async () => {
    const withPassword = await server.request("DELETE", "/v1/auth/mfa", { token: user.accessToken, body: { password: user.password } });
    expect(withPassword.status).to.equal(400);
    const wrong = await server.request("DELETE", "/v1/auth/mfa", { token: user.accessToken, body: { code: recoveryCodes[0] } });
    expect(wrong.status).to.equal(400);
    const off = await server.request("DELETE", "/v1/auth/mfa", { token: user.accessToken, body: { code: recoveryCodes[3] } });
    expect(off.status).to.equal(204);
    expect((await server.request("GET", "/v1/auth/mfa/status", { token: user.accessToken })).body).to.deep.equal({ enabled: false });
    const plain = await login();
    expect(plain.body.access_token).to.be.a("string");
    expect((await server.request("DELETE", "/v1/auth/mfa", { token: user.accessToken, body: { code: "123456" } })).status)
      .to.equal(400);
  });

  it("keeps passwords, TOTP secrets, recovery codes and MFA tokens out of events, read models and logs", async () => {
    const events = await storedEventTexts(server.server.store);
    const readModels = await server.server.db.query<{ text: string }>(
      `select (select coalesce(json_agg(u)::text, '') from users u) || (select coalesce(json_agg(o)::text, '') from orgs o) as text`);
    const haystack = [...events, ...readModels.rows.map((r) => r.text)].join("\n") + server.logs();
    const plaintexts = [user.password, secret, ...recoveryCodes, ...recoveryCodes.map((c) => c.replace("-", "")),
      ...mfaTokens.map((t) => t.split(".")[2])];
    for (const plaintext of plaintexts) expect(haystack, "a plaintext leaked").to.not.include(plaintext);
    expect(events.some((text) => text.includes("$argon2id$"))).to.equal(true);
  });
});
