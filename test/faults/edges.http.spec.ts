/**
 * Issue 9, point 11: answers Node's HTTP parser gives before koa sees a request carry RFC 7807 bodies too,
 * and secret paths stay out of log lines (the outbox mail's subject named the shared secret's path).
 */
import { expect } from "chai";
import { randomUUID } from "node:crypto";
import { createUser } from "../support/identity.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { rawRequest } from "./raw-http.js";

describe("edge answers and log lines (issue 9: 11)", function () {
  // Starting a server and signing a user up takes seconds, and much longer on a loaded machine.
  this.timeout(240_000);
  let server: TestServer;

  before(async () => {
    server = await startTestServer("edges");
  });
  after(() => server?.close());

  function expectProblem(response: { status: number; headers: string; body: string }, status: number) {
    expect(response.status).to.equal(status);
    expect(response.headers).to.match(/content-type: application\/problem\+json/i);
    expect(JSON.parse(response.body)).to.include({ type: "about:blank", status });
  }

  it("answers oversized headers with a 431 problem", async () => {
    const response = await rawRequest(server.url,
      `GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(64 * 1024)}\r\n\r\n`);
    expectProblem(response, 431);
  });

  it("answers an oversized URL with a 431 problem, and fetch sees the same", async () => {
    const response = await fetch(`${server.url}/v1/vaults/${"a".repeat(70_000)}`);
    expect(response.status).to.equal(431);
    expect(response.headers.get("content-type")).to.match(/^application\/problem\+json/);
    expect(await response.json()).to.include({ status: 431, title: "Request Header Fields Too Large" });
  });

  it("answers bytes that are not HTTP, and malformed request lines, with 400 problems", async () => {
    expectProblem(await rawRequest(server.url, "HELLO\r\n\r\n"), 400);
    expectProblem(await rawRequest(server.url, "GET /v1/health HTTP/9.9\r\nHost: x\r\n\r\n"), 400);
    expectProblem(await rawRequest(server.url, "GET /v1/health HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n"), 400);
    expectProblem(await rawRequest(server.url, "POST /v1/auth/token HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"), 400);
  });

  it("keeps serving after parser errors", async () => {
    const health = await fetch(`${server.url}/v1/health`);
    expect(health.status).to.equal(200);
  });

  it("never writes a secret's path into a log line, the share-read mail included", async () => {
    const user = await createUser(server);
    const path = `payroll-${randomUUID()}/bank-login`;
    const vault = await server.request("POST", "/v1/vaults", { token: user.accessToken, body: { name: `v-${randomUUID()}` } });
    const put = await server.request("PUT", `/v1/vaults/${vault.body.id}/secrets/${encodeURIComponent(path)}`,
      { token: user.accessToken, body: { value: "v" } });
    expect(put.status).to.equal(201);
    const share = await server.request("POST", `/v1/secrets/${put.body.id}/share`, { token: user.accessToken,
      body: { recipient_type: "anyone_with_link", expires_at: new Date(Date.now() + 3_600_000).toISOString() } });
    expect(share.status).to.equal(201);
    expect((await server.request("GET", `/v1/share/${share.body.id}`)).status).to.equal(200);
    expect((await server.request("GET", `/v1/vaults/${vault.body.id}/secrets/${encodeURIComponent(path)}`,
      { token: user.accessToken })).status).to.equal(200);
    const logs = server.logs();
    expect(logs).to.contain("mail written to the outbox");
    expect(logs).not.to.contain(path.split("/")[0]);
  });
});
