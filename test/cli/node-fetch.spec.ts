/** The CLI's HTTP path for the SDK (node:http instead of fetch): what the SDK reads of an answer, as fetch gives it. */
import { expect } from "chai";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createNodeFetch, nodeFetch } from "../../src/cli/client/node-fetch.js";
import { HttpClient } from "../../src/sdk/http.js";
import { version } from "../../src/version.js";

describe("the CLI's HTTP path (nodeFetch)", () => {
  let server: Server;
  let url: string;
  let received: { method?: string; url?: string; headers: IncomingHttpHeaders; body: string }[];

  before(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        received.push({ method: request.method, url: request.url, headers: request.headers, body: Buffer.concat(chunks).toString("utf8") });
        if (request.url === "/v1/hung") return; // never answers
        if (request.url === "/v1/limited") {
          response.writeHead(429, { "Retry-After": "7", "Content-Type": "application/json", "X-Request-Id": "r-1" });
          return response.end(JSON.stringify({ detail: "slow down, é" }));
        }
        response.setHeader("Set-Cookie", ["a=1", "b=2"]);
        response.writeHead(200, { "Content-Type": "application/json", "X-Request-Id": "r-2" });
        response.end(JSON.stringify({ echoed: Buffer.concat(chunks).toString("utf8") }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  beforeEach(() => { received = []; });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("sends the method, the headers, a UTF-8 body with its length and the CLI's user agent", async () => {
    const body = JSON.stringify({ value: "grüße" });
    const answer = await nodeFetch(`${url}/v1/echo?x=1`, { method: "PUT", headers: { Authorization: "Bearer t" }, body });
    expect(received[0]).to.deep.include({ method: "PUT", url: "/v1/echo?x=1", body });
    expect(received[0].headers).to.include({ authorization: "Bearer t", "content-length": String(Buffer.byteLength(body)),
      "user-agent": `keyledger-cli/${version}` });
    expect(answer.status).to.equal(200);
    expect(answer.ok).to.equal(true);
    expect(JSON.parse(await answer.text())).to.deep.equal({ echoed: body });
  });

  it("answers headers case-insensitively, repeated ones joined, absent ones null (as fetch's Headers.get)", async () => {
    const answer = await nodeFetch(`${url}/v1/echo`, { method: "GET", headers: {} });
    expect(answer.headers.get("x-request-id")).to.equal("r-2");
    expect(answer.headers.get("X-Request-Id")).to.equal("r-2");
    expect(answer.headers.get("set-cookie")).to.equal("a=1, b=2");
    expect(answer.headers.get("x-absent")).to.equal(null);
  });

  it("carries the SDK's envelope: an error answer's type, detail and Retry-After, the request id", async () => {
    const http = new HttpClient({ baseUrl: url, token: "t", fetch: nodeFetch });
    const answer = await http.request("GET", "/v1/limited");
    expect(answer.error).to.deep.include({ type: "rate_limit", message: "slow down, é", retry_after: 7 });
    expect(answer.meta).to.deep.equal({ status: 429, requestId: "r-1" });
  });

  it("a refused connection is the SDK's network error, not a throw", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const answer = await new HttpClient({ baseUrl: `http://127.0.0.1:${port}`, fetch: nodeFetch }).request("GET", "/v1/health");
    expect(answer.error?.type).to.equal("network_error");
    expect(answer.error?.message).to.include("ECONNREFUSED");
  });

  it("gives up on an API that stays silent, as the SDK's network error", async () => {
    const answer = await new HttpClient({ baseUrl: url, fetch: createNodeFetch(200) }).request("GET", "/v1/hung");
    expect(answer.error?.type).to.equal("network_error");
    expect(answer.error?.message).to.include("sent nothing");
  });
});
