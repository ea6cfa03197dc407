import net from "node:net";
import { expect } from "chai";
import { z } from "zod";
import { defineRoute } from "../../src/http/route.js";
import { WrongExpectedRevision } from "../../src/eventstore/port.js";
import { startApp, type Running } from "./harness.js";

const VAULT = "0b6f1c9e-3d2a-4f5b-9c8d-7e6f5a4b3c2d";
const SECRET_VALUE = "sk_live_do-not-leak-1234";

const SecretBody = z.object({ value: z.string().min(1), type: z.enum(["api_key", "password"]).optional() });

function deferred() {
  let release!: () => void;
  const promise = new Promise<void>((resolve) => (release = resolve));
  return { promise, release };
}

describe("HTTP app", () => {
  let app: Running;
  let slow = deferred();
  let slowStarted = deferred();

  const routes = [
    defineRoute({
      method: "PUT",
      path: "/v1/vaults/{vaultId}/secrets/{path+}",
      summary: "Store a secret",
      auth: "none",
      request: { params: z.object({ vaultId: z.uuid(), path: z.string() }), body: SecretBody },
      responses: { 201: z.object({ vault_id: z.string(), path: z.string(), fields: z.array(z.string()) }) },
    }).handle(({ params, body }) => ({
      status: 201,
      body: { vault_id: params.vaultId, path: params.path, fields: Object.keys(body) },
    })),
    defineRoute({
      method: "GET",
      path: "/v1/vaults/{vaultId}/secrets/{path+}",
      summary: "Read a secret",
      auth: "none",
      responses: { 200: z.object({ path: z.string() }) },
    }).handle(({ params }) => ({ status: 200, body: { path: params.path } })),
    defineRoute({
      method: "GET",
      path: "/v1/items",
      summary: "List items",
      auth: "none",
      request: { query: z.object({ limit: z.coerce.number().int().max(100).optional() }) },
      responses: { 200: z.object({ limit: z.number() }) },
    }).handle(({ query }) => ({ status: 200, body: { limit: query.limit ?? 10 } })),
    defineRoute({ method: "GET", path: "/v1/boom", summary: "Fails", auth: "none", responses: { 204: null } })
      .handle(() => {
        throw new Error(`internal detail ${SECRET_VALUE}`);
      }),
    defineRoute({ method: "POST", path: "/v1/conflict", summary: "Conflicts", auth: "none", responses: { 204: null } })
      .handle(() => {
        throw new WrongExpectedRevision("vault-1", 1n, 2n);
      }),
    defineRoute({ method: "GET", path: "/v1/slow", summary: "Waits", auth: "none", responses: { 200: z.object({ done: z.boolean() }) } })
      .handle(async () => {
        slowStarted.release();
        await slow.promise;
        return { status: 200, body: { done: true } };
      }),
    defineRoute({ method: "GET", path: "/v1/me", summary: "Who am I", auth: "required", responses: { 200: z.object({ id: z.string() }) } })
      .handle(({ principal }) => ({ status: 200, body: { id: principal.id } })),
  ];

  beforeEach(async () => {
    slow = deferred();
    slowStarted = deferred();
    app = await startApp(routes, {
      authenticate: ({ headers }) => (headers.authorization === "Bearer good"
        ? { type: "user", id: "u1", orgId: "o1", email: "u1@example.com", role: "owner", credential: "jwt" }
        : undefined),
    });
  });
  afterEach(() => app.http.close());

  async function problemOf(res: Response) {
    expect(res.headers.get("content-type")).to.match(/^application\/problem\+json/);
    const body = (await res.json()) as { type: string; title: string; status: number; detail: string };
    expect(body).to.include.keys("type", "title", "status", "detail");
    expect(body.status).to.equal(res.status);
    return body;
  }

  const put = (path: string, body: string, contentType = "application/json") =>
    fetch(`${app.url}${path}`, { method: "PUT", headers: { "content-type": contentType }, body });

  describe("path parameters", () => {
    it("gives a catch-all parameter the decoded rest of the path, encoded or not", async () => {
      for (const path of ["api-keys%2Fstripe", "api-keys/stripe"]) {
        const res = await fetch(`${app.url}/v1/vaults/${VAULT}/secrets/${path}`);
        expect(await res.json()).to.deep.equal({ path: "api-keys/stripe" });
      }
    });
  });

  describe("request bodies", () => {
    it("accepts and strips fields it does not know", async () => {
      const res = await put(`/v1/vaults/${VAULT}/secrets/db/password`, JSON.stringify({ value: "x", future_field: 1 }));
      expect(res.status).to.equal(201);
      expect(await res.json()).to.deep.equal({ vault_id: VAULT, path: "db/password", fields: ["value"] });
    });

    it("answers 400 for malformed JSON", async () => {
      const res = await put(`/v1/vaults/${VAULT}/secrets/a`, `{"value": "${SECRET_VALUE}"`);
      expect(res.status).to.equal(400);
      expect((await problemOf(res)).detail).to.match(/not valid JSON/);
    });

    it("answers 400 naming the fields that fail validation, never their values", async () => {
      const res = await put(`/v1/vaults/${VAULT}/secrets/a`, JSON.stringify({ value: 42, type: SECRET_VALUE }));
      expect(res.status).to.equal(400);
      const { detail } = await problemOf(res);
      expect(detail).to.include("body.value").and.include("body.type");
      expect(detail).not.to.include(SECRET_VALUE);
    });

    it("answers 400 when a required body is missing", async () => {
      const res = await fetch(`${app.url}/v1/vaults/${VAULT}/secrets/a`, { method: "PUT" });
      expect(res.status).to.equal(400);
      expect((await problemOf(res)).detail).to.match(/^body:/);
    });

    it("answers 413 for a body over 5 MB", async () => {
      const res = await put(`/v1/vaults/${VAULT}/secrets/a`, JSON.stringify({ value: "x".repeat(5 * 1024 * 1024) }));
      expect(res.status).to.equal(413);
      await problemOf(res);
    });

    it("answers 413 for a streamed body that grows over 5 MB", async () => {
      const chunk = new TextEncoder().encode("x".repeat(1024 * 1024));
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent++ < 8) controller.enqueue(chunk);
          else controller.close();
        },
      });
      const init = { method: "PUT", headers: { "content-type": "application/json" }, body, duplex: "half" };
      const res = await fetch(`${app.url}/v1/vaults/${VAULT}/secrets/a`, init as RequestInit);
      expect(res.status).to.equal(413);
      await problemOf(res);
    });

    it("answers 415 for a body that is not JSON", async () => {
      const res = await put(`/v1/vaults/${VAULT}/secrets/a`, "value=x", "application/x-www-form-urlencoded");
      expect(res.status).to.equal(415);
      await problemOf(res);
    });
  });

  it("validates and coerces query parameters", async () => {
    expect(await (await fetch(`${app.url}/v1/items?limit=5`)).json()).to.deep.equal({ limit: 5 });
    const res = await fetch(`${app.url}/v1/items?limit=5000`);
    expect(res.status).to.equal(400);
    expect((await problemOf(res)).detail).to.include("query.limit");
  });

  describe("errors", () => {
    it("answers 404 for an unknown route", async () => {
      const res = await fetch(`${app.url}/v1/nowhere`);
      expect(res.status).to.equal(404);
      await problemOf(res);
    });

    it("counts a route for a path only when the path can fill its parameters", async () => {
      // PUT declares vaultId a UUID, GET takes any text there: for this path only GET exists.
      for (const method of ["PUT", "POST"]) {
        const res = await fetch(`${app.url}/v1/vaults/not-a-uuid/secrets/a`, { method, body: "{}" });
        expect(res.status, method).to.equal(405);
        expect(res.headers.get("allow")).to.include("GET").and.not.include("PUT");
        await problemOf(res);
      }
    });

    it("answers 405 with Allow for a wrong method on a known path", async () => {
      const res = await fetch(`${app.url}/v1/items`, { method: "DELETE" });
      expect(res.status).to.equal(405);
      expect(res.headers.get("allow")).to.include("GET");
      expect((await problemOf(res)).detail).to.match(/^DELETE is not allowed here; allowed: .*GET/);
    });

    it("answers a generic 500 for an unexpected error and logs it with the request id", async () => {
      const res = await fetch(`${app.url}/v1/boom`, { headers: { "x-request-id": "req-500" } });
      expect(res.status).to.equal(500);
      expect((await problemOf(res)).detail).not.to.include("internal detail");
      const logged = app.logLines.map((line) => JSON.parse(line)).find((l) => l.msg === "request failed");
      expect(logged).to.include({ request_id: "req-500" });
    });

    it("maps domain errors through the problem table", async () => {
      const res = await fetch(`${app.url}/v1/conflict`, { method: "POST" });
      expect(res.status).to.equal(409);
      expect((await problemOf(res)).detail).not.to.include("vault-1");
    });

    it("answers 401 when a route needs a principal and none is found", async () => {
      const res = await fetch(`${app.url}/v1/me`, { headers: { authorization: "Bearer bad" } });
      expect(res.status).to.equal(401);
      await problemOf(res);
      const ok = await fetch(`${app.url}/v1/me`, { headers: { authorization: "Bearer good" } });
      expect(await ok.json()).to.deep.equal({ id: "u1" });
    });
  });

  describe("request ids and logs", () => {
    it("echoes a sane incoming request id and replaces an insane one", async () => {
      const kept = await fetch(`${app.url}/v1/items`, { headers: { "x-request-id": "abc-123" } });
      expect(kept.headers.get("x-request-id")).to.equal("abc-123");
      const replaced = await fetch(`${app.url}/v1/items`, { headers: { "x-request-id": "a b<script>" } });
      expect(replaced.headers.get("x-request-id")).to.match(/^[0-9a-f-]{36}$/);
    });

    it("writes one line per request with the route pattern, never the path, query or body", async () => {
      await put(`/v1/vaults/${VAULT}/secrets/stripe?token=${SECRET_VALUE}`, JSON.stringify({ value: SECRET_VALUE }));
      const lines = app.logLines.map((line) => JSON.parse(line)).filter((l) => l.msg === "request");
      expect(lines).to.have.length(1);
      expect(lines[0]).to.include({ method: "PUT", route: "/v1/vaults/{vaultId}/secrets/{path+}", status: 201 });
      expect(app.logLines.join("")).not.to.include(SECRET_VALUE).and.not.include("stripe");
    });
  });

  it("counts requests in /metrics by route pattern", async () => {
    await fetch(`${app.url}/v1/vaults/${VAULT}/secrets/hidden-name`);
    const text = await (await fetch(`${app.url}/metrics`)).text();
    expect(text).to.match(
      /keyledger_http_requests_total\{method="GET",route="\/v1\/vaults\/\{vaultId\}\/secrets\/\{path\+\}",status="200"\} 1/,
    );
    expect(text).not.to.include("hidden-name");
  });

  describe("openapi.json", () => {
    it("documents every declared route with its params, body, responses and the problem schema", async () => {
      const doc = await (await fetch(`${app.url}/openapi.json`)).json();
      expect(doc.openapi).to.match(/^3\.1\./);
      const put = doc.paths["/v1/vaults/{vaultId}/secrets/{path}"].put;
      expect(put.parameters.map((p: { name: string }) => p.name)).to.deep.equal(["vaultId", "path"]);
      expect(put.requestBody.content["application/json"].schema.properties).to.have.keys("value", "type");
      expect(put.responses).to.include.keys("201", "400", "default");
      expect(doc.paths["/v1/items"].get.parameters[0]).to.include({ name: "limit", in: "query", required: false });
      expect(doc.paths["/v1/me"].get.responses).to.include.keys("401");
      expect(doc.components.schemas.ProblemDetails.required).to.have.members(["type", "title", "status", "detail"]);
    });
  });

  describe("graceful close", () => {
    it("finishes an in-flight request and refuses new connections", async () => {
      const inFlight = fetch(`${app.url}/v1/slow`);
      await slowStarted.promise;
      const closed = app.http.close();
      const { port } = new URL(app.url);
      const refused = await new Promise<boolean>((resolve) => {
        const socket = net.connect(Number(port), "127.0.0.1");
        socket.once("connect", () => (socket.destroy(), resolve(false)));
        socket.once("error", () => resolve(true));
      });
      expect(refused).to.equal(true);
      slow.release();
      const res = await inFlight;
      expect(await res.json()).to.deep.equal({ done: true });
      await closed;
    });
  });
});
