/**
 * The dashboard's cookie session over HTTP: sign-in sets an httpOnly SameSite cookie and answers a CSRF token
 * (never the access token); state-changing requests need that token; refresh trades the token for a fresh one
 * and revokes the old; the session ends 12 hours after sign-in; sign-out revokes and clears. And the dashboard's
 * files: index.html for the dashboard's paths with a strict Content-Security-Policy, hashed assets cached.
 */
import { expect } from "chai";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { CONTENT_SECURITY_POLICY } from "../../src/http/dashboard-static.js";
import { SESSION_MAX_AGE_SECONDS, SESSION_TOKEN_TTL_SECONDS } from "../../src/http/routes/dashboard-session.js";
import { sessionCookie } from "../../src/http/session-cookie.js";
import { codeFor } from "../humans/totp-helper.js";
import { ensureDashboardBuilt } from "../support/dashboard-build.js";
import { createUser, verificationTokenFor, type TestUser } from "../support/identity.js";
import { startTestServer, type TestServer } from "../support/server.js";

interface Answer { status: number; headers: Headers; body: any }

/** The session cookie's `name=value` from a Set-Cookie answer, and its attributes. */
function cookieOf(answer: Answer): { pair: string; attributes: string } {
  const header = answer.headers.getSetCookie().find((value) => value.startsWith("kl_session="));
  expect(header, `Set-Cookie in ${answer.status} ${JSON.stringify(answer.body)}`).to.be.a("string");
  const [pair, ...attributes] = header!.split("; ");
  return { pair, attributes: attributes.join("; ") };
}

describe("dashboard session and files over HTTP", () => {
  let server: TestServer;
  let user: TestUser;

  before(async () => {
    ensureDashboardBuilt();
    server = await startTestServer("dashboard-session");
    user = await createUser(server);
  });
  after(async () => server?.close());

  const login = () => server.request("POST", "/v1/auth/session/login", { body: { email: user.email, password: user.password } });

  it("signs in with a cookie: httpOnly, SameSite=Strict, host-wide, no token in the body", async () => {
    const answer = await login();
    expect(answer.status).to.equal(200);
    const { pair, attributes } = cookieOf(answer);
    expect(attributes).to.include("HttpOnly").and.include("SameSite=Strict").and.include("Path=/")
      .and.include(`Max-Age=${SESSION_TOKEN_TTL_SECONDS}`).and.not.include("Secure");
    expect(answer.body).to.include({ signed_in: true, email: user.email, user_id: user.userId, expires_in: SESSION_TOKEN_TTL_SECONDS });
    expect(answer.body.csrf_token).to.be.a("string");
    expect(JSON.stringify(answer.body)).to.not.include(pair.split("=")[1]);
    const state = await server.request("GET", "/v1/auth/session", { headers: { cookie: pair } });
    expect(state.body).to.deep.include({ signed_in: true, csrf_token: answer.body.csrf_token });
    expect((await server.request("GET", "/v1/auth/session")).body).to.deep.equal({ signed_in: false });
  });

  it("is Secure and __Host- named behind an https public URL", () => {
    expect(sessionCookie({ secure: true }, "t", 60)).to.equal("__Host-kl_session=t; Path=/; Max-Age=60; HttpOnly; SameSite=Strict; Secure");
  });

  it("authenticates reads by cookie, and writes only with the session's CSRF token from our origin", async () => {
    const answer = await login();
    const cookie = cookieOf(answer).pair;
    const csrf = answer.body.csrf_token as string;
    expect((await server.request("GET", "/v1/vaults", { headers: { cookie } })).status).to.equal(200);
    let made = 0;
    const create = (headers: Record<string, string>) =>
      server.request("POST", "/v1/vaults", { headers: { cookie, ...headers }, body: { name: `csrf ${++made}` } });
    expect((await create({})).status, "no CSRF token: the cookie does not count").to.equal(401);
    const wrong = await create({ "x-csrf-token": "not-the-token" });
    expect(wrong.status).to.equal(403);
    expect(wrong.body.detail).to.include("CSRF");
    expect((await create({ "x-csrf-token": csrf, origin: "https://evil.example" })).status, "another origin").to.equal(403);
    expect((await create({ "x-csrf-token": csrf, origin: server.url })).status).to.equal(201);
    expect((await create({ "x-csrf-token": csrf })).status).to.equal(201);
  });

  it("refreshes: a new token, the old one revoked, the CSRF token kept (other tabs go on working)", async () => {
    const first = await login();
    const old = cookieOf(first).pair;
    const refreshed = await server.request("POST", "/v1/auth/session/refresh", { headers: { cookie: old, "x-csrf-token": first.body.csrf_token } });
    expect(refreshed.status).to.equal(200);
    const fresh = cookieOf(refreshed).pair;
    expect(fresh).to.not.equal(old);
    expect(refreshed.body.csrf_token).to.equal(first.body.csrf_token);
    const other = await login();
    expect(other.body.csrf_token, "another session, another CSRF token").to.not.equal(first.body.csrf_token);
    const crossed = await server.request("POST", "/v1/vaults", { headers: { cookie: fresh, "x-csrf-token": other.body.csrf_token }, body: { name: "crossed" } });
    expect(crossed.status).to.equal(403);
    expect((await server.request("GET", "/v1/auth/me", { headers: { cookie: fresh } })).status).to.equal(200);
    expect((await server.request("GET", "/v1/auth/me", { headers: { cookie: old } })).status).to.equal(401);
    const noCsrf = await server.request("POST", "/v1/auth/session/refresh", { headers: { cookie: fresh } });
    expect(noCsrf.status).to.equal(401);
  });

  it("ends 12 hours after sign-in however often it is refreshed", async () => {
    const first = await login();
    let cookie = cookieOf(first).pair;
    let csrf = first.body.csrf_token as string;
    let lastLifetime = SESSION_TOKEN_TTL_SECONDS;
    let refreshes = 0;
    for (;;) {
      server.clock.advance(14 * 60 * 1000);
      const answer = await server.request("POST", "/v1/auth/session/refresh", { headers: { cookie, "x-csrf-token": csrf } });
      if (answer.status !== 200) {
        expect(answer.status).to.equal(401);
        break;
      }
      refreshes += 1;
      cookie = cookieOf(answer).pair;
      csrf = answer.body.csrf_token;
      lastLifetime = answer.body.expires_in;
    }
    expect(refreshes).to.equal(Math.floor(SESSION_MAX_AGE_SECONDS / (14 * 60)));
    expect(lastLifetime, "the last token ends with the session").to.be.below(SESSION_TOKEN_TTL_SECONDS);
  });

  it("signs out: the token is revoked and the cookie cleared", async () => {
    const answer = await login();
    const cookie = cookieOf(answer).pair;
    const out = await server.request("DELETE", "/v1/auth/session", { headers: { cookie, "x-csrf-token": answer.body.csrf_token } });
    expect(out.status).to.equal(204);
    expect(cookieOf(out).attributes).to.include("Max-Age=0");
    expect((await server.request("GET", "/v1/auth/session", { headers: { cookie } })).body).to.deep.equal({ signed_in: false });
  });

  it("signs in with the TOTP step and from the verification link", async () => {
    // A fresh API token: the 12-hour spec above moved the clock past the one createUser got.
    const token = (await server.request("POST", "/v1/auth/token", { body: { email: user.email, password: user.password } })).body.access_token;
    const setup = await server.request("POST", "/v1/auth/mfa/setup", { token });
    await server.request("POST", "/v1/auth/mfa/verify-setup", { token, body: { code: codeFor(setup.body.secret, server.clock.now()) } });
    const challenge = await login();
    expect(challenge.body.mfa_required).to.equal(true);
    expect(challenge.headers.getSetCookie()).to.deep.equal([]);
    const wrong = await server.request("POST", "/v1/auth/session/mfa", { body: { mfa_token: challenge.body.mfa_token, code: "000000" } });
    expect(wrong.status).to.equal(401);
    const again = await login();
    const done = await server.request("POST", "/v1/auth/session/mfa",
      { body: { mfa_token: again.body.mfa_token, code: codeFor(setup.body.secret, server.clock.now(), 1) } });
    expect(done.status, JSON.stringify(done.body)).to.equal(200);
    expect((await server.request("GET", "/v1/auth/me", { headers: { cookie: cookieOf(done).pair } })).body.email).to.equal(user.email);

    await server.request("POST", "/v1/auth/signup", { body: { email: "link@example.test", password: "link user password" } });
    const verification = await verificationTokenFor(server, "link@example.test");
    const verified = await server.request("POST", "/v1/auth/session/verify-email", { body: { token: verification } });
    expect(verified.status).to.equal(200);
    expect((await server.request("GET", "/v1/auth/me", { headers: { cookie: cookieOf(verified).pair } })).body.email).to.equal("link@example.test");
  });

  it("serves the dashboard for its paths with a strict CSP, and its hashed assets", async () => {
    expect(CONTENT_SECURITY_POLICY).to.include("script-src 'self'").and.not.include("unsafe-inline").and.not.include("unsafe-eval");
    for (const page of ["/", "/vaults/abc", "/verify-email?token=x", "/cli/verify?code=ABCD-EFGH", "/share/123"]) {
      const answer = await server.request("GET", page, { headers: { accept: "text/html" } });
      expect(answer.status, page).to.equal(200);
      expect(answer.headers.get("content-type")).to.include("text/html");
      expect(answer.headers.get("content-security-policy")).to.equal(CONTENT_SECURITY_POLICY);
      expect(answer.headers.get("x-frame-options")).to.equal("DENY");
      expect(answer.headers.get("referrer-policy")).to.equal("no-referrer");
      expect(answer.body).to.include('<div id="app">').and.not.match(/<script(?![^>]*\bsrc=)[^>]*>/);
    }
    const dist = path.join(fileURLToPath(new URL("../../web/dist/assets/", import.meta.url)));
    const script = (await readdir(dist)).find((name) => name.endsWith(".js"))!;
    const asset = await server.request("GET", `/assets/${script}`);
    expect(asset.status).to.equal(200);
    expect(asset.headers.get("content-type")).to.include("javascript");
    expect(asset.headers.get("cache-control")).to.include("immutable");
    expect((await server.request("GET", "/assets/missing.js")).status).to.equal(404);
    const api = await server.request("GET", "/v1/no-such-route", { headers: { accept: "text/html" } });
    expect(api.status).to.equal(404);
    expect(api.headers.get("content-type")).to.include("problem+json");
  });
});
