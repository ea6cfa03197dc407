/**
 * Every error kind of the SDK: API errors and network failures come back as `error` values with
 * `meta.status`, never as throws. The server's answers are provoked for real; the kinds this server does
 * not answer yet (402, resource limits, approvals) go through the same mapping as plain answers.
 */
import { expect } from "chai";
import { randomUUID } from "node:crypto";
import { apiErrorFrom, createClient, type OneclawResponse } from "../../src/sdk/index.js";
import { retryAfterSeconds } from "../../src/sdk/errors.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { agentWithAccess, ok, ownerOf, type Owner } from "./fixtures.js";

function expectError(answer: OneclawResponse<unknown>, status: number, type: string) {
  expect(answer.data, "data").to.equal(null);
  expect(answer.meta.status, JSON.stringify(answer.error)).to.equal(status);
  expect(answer.error?.type).to.equal(type);
  expect(answer.error?.message).to.be.a("string").and.not.equal("");
}

describe("SDK errors", () => {
  describe("answered by the real server", () => {
    let server: TestServer;
    let owner: Owner;
    let vaultId: string;

    before(async () => {
      server = await startTestServer("sdk-errors");
      owner = await ownerOf(server);
      vaultId = ok(await owner.client.vaults.create({ name: "errors" })).id;
    });
    after(async () => server?.close());

    it("400 validation_error with the server's detail", async () => {
      const answer = await owner.client.vaults.create({ name: "" });
      expectError(answer, 400, "validation_error");
      expect(answer.error?.detail).to.include("body.name");
      expect(answer.meta.requestId).to.be.a("string");
    });

    it("401 auth_error for a key the server refuses", async () => {
      expectError(await createClient({ baseUrl: server.url, apiKey: "ocv_bogus" }).vaults.list(), 401, "auth_error");
      expectError(await createClient({ baseUrl: server.url }).vaults.list(), 401, "auth_error");
    });

    it("403 auth_error when the caller may not", async () => {
      const { apiKey } = await agentWithAccess(owner, vaultId, { pattern: "mine/**" });
      const agent = createClient({ baseUrl: server.url, apiKey });
      expectError(await agent.agents.list(), 403, "auth_error");
      ok(await owner.client.secrets.set(vaultId, "theirs/x", "v"));
      expectError(await agent.secrets.get(vaultId, "theirs/x"), 403, "auth_error");
    });

    it("404 not_found", async () => {
      expectError(await owner.client.vaults.get(randomUUID()), 404, "not_found");
      expectError(await owner.client.secrets.get(vaultId, "no/such/secret"), 404, "not_found");
    });

    it("409 conflict", async () => {
      ok(await owner.client.vaults.create({ name: "twice" }));
      expectError(await owner.client.vaults.create({ name: "twice" }), 409, "conflict");
    });

    it("410 gone once the secret's reads are used up", async () => {
      ok(await owner.client.secrets.set(vaultId, "once", "read me once", { max_access_count: 1 }));
      ok(await owner.client.secrets.get(vaultId, "once"));
      expectError(await owner.client.secrets.get(vaultId, "once"), 410, "gone");
    });

    it("413 payload_too_large for a body over the limit", async () => {
      expectError(await owner.client.secrets.set(vaultId, "big", "x".repeat(6 * 1024 * 1024)), 413, "payload_too_large");
    });

    it("429 rate_limit with retry_after in seconds", async () => {
      const other = await ownerOf(server);
      const otherVault = ok(await other.client.vaults.create({ name: "limits" })).id;
      const secretId = ok(await other.client.secrets.set(otherVault, "s", "v")).id;
      const expires_at = new Date(Date.now() + 3_600_000).toISOString();
      let limited: OneclawResponse<unknown> | undefined;
      for (let i = 0; i < 12 && !limited; i++) {
        const answer = await other.client.sharing.create(secretId, { recipient_type: "anyone_with_link", expires_at });
        if (answer.error) limited = answer;
      }
      expectError(limited!, 429, "rate_limit");
      expect(limited!.error?.retry_after).to.be.a("number").and.greaterThan(0);
    });

    it("network_error with status 0 when nothing answers", async () => {
      const closed = createClient({ baseUrl: "http://127.0.0.1:9" });
      expectError(await closed.vaults.list(), 0, "network_error");
      const unreachableKey = createClient({ baseUrl: "http://127.0.0.1:9", apiKey: "ocv_x" });
      expectError(await unreachableKey.vaults.list(), 0, "network_error");
    });
  });

  describe("the mapping of answers this server does not give yet", () => {
    const headers = (entries: Record<string, string> = {}) => new Headers(entries);

    it("402 payment_required carries the payment body", () => {
      const body = { x402Version: 1, accepts: [{ scheme: "exact", network: "base", price: "0.0015", payTo: "0xabc" }],
        required_usd: "0.0015", message: "Quota exhausted" };
      const error = apiErrorFrom(402, headers(), body);
      expect(error).to.deep.include({ type: "payment_required", message: "Quota exhausted" });
      expect(error.payment_requirement).to.deep.equal(body);
    });

    it("403 resource_limit_exceeded and approval_required by the body's type", () => {
      expect(apiErrorFrom(403, headers(), { type: "resource_limit_exceeded", detail: "3 of 3 vaults" }))
        .to.deep.equal({ type: "resource_limit_exceeded", message: "3 of 3 vaults", detail: "3 of 3 vaults" });
      expect(apiErrorFrom(403, headers(), { type: "approval_required", detail: "ask" }).type).to.equal("approval_required");
      expect(apiErrorFrom(403, headers(), { type: "about:blank", detail: "no" }).type).to.equal("auth_error");
    });

    it("405, 422, 5xx and anything else", () => {
      expect(apiErrorFrom(405, headers(), { detail: "GET only" }).type).to.equal("method_not_allowed");
      expect(apiErrorFrom(422, headers(), { detail: "reverted" }).type).to.equal("validation_error");
      expect(apiErrorFrom(500, headers(), { detail: "an unexpected error occurred" }).type).to.equal("server_error");
      expect(apiErrorFrom(503, headers(), "upstream down")).to.deep.equal({ type: "server_error", message: "upstream down" });
      expect(apiErrorFrom(418, headers(), undefined)).to.deep.equal({ type: "unknown", message: "HTTP 418" });
    });

    it("reads Retry-After as seconds or as an HTTP date", () => {
      expect(apiErrorFrom(429, headers({ "Retry-After": "7" }), { detail: "slow down" }).retry_after).to.equal(7);
      const now = Date.parse("2026-01-01T00:00:00Z");
      expect(retryAfterSeconds("Thu, 01 Jan 2026 00:00:30 GMT", now)).to.equal(30);
      expect(retryAfterSeconds("soon", now)).to.equal(undefined);
    });
  });
});
