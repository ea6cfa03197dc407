/**
 * Issue 9, points 2, 4 and 10: the shared input rules at the door, against the real server. Deep JSON,
 * oversized free-form fields, strings PostgreSQL cannot store (NUL, lone surrogates) in bodies, path
 * parameters and query strings, malformed percent-escapes, raw non-ASCII and invalid UTF-8 in URLs, and
 * control/format characters in paths are all 400s with problem bodies that change nothing; composed and
 * decomposed spellings of a path are one secret.
 */
import { expect } from "chai";
import { randomUUID } from "node:crypto";
import { MAX_METADATA_BYTES } from "../../src/api/limits.js";
import { MAX_JSON_DEPTH } from "../../src/http/input-rules.js";
import { storedEvents } from "../support/events.js";
import { createUser, type TestUser } from "../support/identity.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { rawRequest } from "./raw-http.js";

function nested(depth: number): unknown {
  let value: unknown = "leaf";
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

const BOOKKEEPING = new Set(["RequestsCounted", "AuditHeadSigned"]);

describe("input rules at the door (issue 9: 2, 4, 10)", function () {
  // Starting a server and signing a user up takes seconds, and much longer on a loaded machine.
  this.timeout(240_000);
  let server: TestServer;
  let owner: TestUser;
  let vaultId: string;

  before(async () => {
    server = await startTestServer("input-rules");
    owner = await createUser(server);
    const vault = await server.request("POST", "/v1/vaults", { token: owner.accessToken, body: { name: `v-${randomUUID()}` } });
    vaultId = vault.body.id;
  });
  after(() => server?.close());

  /**
   * What the requests under test could have appended: every event but the server's own bookkeeping, which runs on
   * timers (the usage meter's once-a-second count, the audit head's signature) and may land mid-request.
   */
  const head = async () => (await storedEvents(server.server.store)).filter((event) => !BOOKKEEPING.has(event.type)).length;

  /** Sends the request and expects a 400 problem that left the event log as it was. */
  async function expectRejected(method: string, path: string, options: { body?: unknown; token?: string | null } = {}) {
    const before = await head();
    const token = options.token === null ? undefined : options.token ?? owner.accessToken;
    const response = await server.request(method, path, { token, body: options.body });
    expect(response.status, `${method} ${path}: ${JSON.stringify(response.body)}`).to.equal(400);
    expect(response.headers.get("content-type")).to.match(/^application\/problem\+json/);
    expect(response.body).to.include({ status: 400, title: "Bad Request" });
    expect(await head(), "the event log moved").to.deep.equal(before);
    return response.body.detail as string;
  }

  describe("JSON depth and free-form sizes (point 2)", () => {
    it("refuses metadata nested 4,000 levels deep, and the next write is not held up", async () => {
      const detail = await expectRejected("PUT", `/v1/vaults/${vaultId}/secrets/deep`,
        { body: { value: "v", metadata: nested(4000) } });
      expect(detail).to.contain(`deeper than ${MAX_JSON_DEPTH}`);
      const started = Date.now();
      const next = await server.request("PUT", `/v1/vaults/${vaultId}/secrets/after-deep`,
        { token: owner.accessToken, body: { value: "v", metadata: nested(MAX_JSON_DEPTH - 3) } });
      expect(next.status).to.equal(201);
      // Read-your-writes answered without waiting out its timeout (the audit projection applied it).
      expect(Date.now() - started).to.be.below(server.config.readYourWritesTimeoutMs);
      const audit = await server.request("GET", "/v1/audit/events?limit=5", { token: owner.accessToken });
      expect(audit.status).to.equal(200);
    });

    it("refuses a body nested deeper than the limit on an unauthenticated route too", async () => {
      await expectRejected("POST", "/v1/auth/token", { token: null, body: { email: "a@b.io", password: nested(MAX_JSON_DEPTH + 1) } });
    });

    it("refuses metadata larger than its byte limit, and policy conditions larger than theirs", async () => {
      const big = { notes: "x".repeat(MAX_METADATA_BYTES) };
      const detail = await expectRejected("PUT", `/v1/vaults/${vaultId}/secrets/big-meta`, { body: { value: "v", metadata: big } });
      expect(detail).to.contain("metadata");
      await expectRejected("POST", `/v1/vaults/${vaultId}/policies`, { body: {
        secret_path_pattern: "**", principal_type: "user", principal_id: owner.userId, permissions: ["read"],
        conditions: { time_windows: [{ start: "09:00", end: "17:00", timezone: "x".repeat(20_000) }] },
      } });
    });

    it("refuses over-long strings in fields without their own limit", async () => {
      await expectRejected("DELETE", "/v1/auth/me", { body: { confirmation: "x".repeat(1000) } });
      await expectRejected("POST", "/v1/agents", { body: { name: "a", tx_max_value: "1".repeat(1000) } });
    });
  });

  describe("strings PostgreSQL cannot store (point 4)", () => {
    const nul = "a\u0000b";
    const surrogate = "a\ud800b";

    for (const [label, bad] of [["NUL", nul], ["a lone surrogate", surrogate]] as const) {
      it(`answers 400 for ${label} in bodies, with and without authentication`, async () => {
        await expectRejected("POST", "/v1/auth/token", { token: null, body: { email: `${bad}@x.io`, password: "p".repeat(12) } });
        await expectRejected("POST", "/v1/auth/signup", { token: null, body: { email: `${bad}@x.io`, password: "p".repeat(12) } });
        await expectRejected("POST", "/v1/agents/enroll", { token: null, body: { name: bad, human_email: "a@x.io" } });
        await expectRejected("POST", "/v1/auth/verify-email", { token: null, body: { token: bad } });
        await expectRejected("POST", "/v1/vaults", { body: { name: bad } });
        await expectRejected("PUT", `/v1/vaults/${vaultId}/secrets/s`, { body: { value: bad } });
        await expectRejected("PUT", `/v1/vaults/${vaultId}/secrets/s`, { body: { value: "v", metadata: { note: bad } } });
        await expectRejected("PUT", `/v1/vaults/${vaultId}/secrets/s`, { body: { value: "v", metadata: { [bad]: 1 } } });
        await expectRejected("POST", "/v1/agents", { body: { name: bad } });
        await expectRejected("POST", "/v1/auth/api-keys", { body: { name: bad } });
        await expectRejected("POST", "/v1/security/ip-rules", { body: { cidr: "10.0.0.0/8", label: bad } });
        await expectRejected("PATCH", "/v1/auth/me", { body: { display_name: bad } });
        await expectRejected("POST", `/v1/vaults/${vaultId}/policies`, { body: {
          secret_path_pattern: bad, principal_type: "user", principal_id: owner.userId, permissions: ["read"] } });
      });
    }

    it("answers 400 for NUL in query strings and path parameters", async () => {
      await expectRejected("GET", `/v1/vaults/${vaultId}/secrets?prefix=%00`);
      await expectRejected("GET", `/v1/vaults/${vaultId}/secrets/a%00b`);
      await expectRejected("PUT", `/v1/vaults/${vaultId}/secrets/a%00b`, { body: { value: "v" } });
      await expectRejected("GET", `/v1/vaults/%00`);
      await expectRejected("GET", `/v1/audit/events?actor_id=%00`);
      await expectRejected("GET", `/v1/share/%00`, { token: null });
    });

    it("answers 400 for JSON escapes of lone surrogates sent as raw text", async () => {
      const response = await server.request("POST", "/v1/agents/enroll",
        { body: '{"name":"\\ud800","human_email":"a@x.io"}' });
      expect(response.status).to.equal(400);
      const low = await server.request("POST", "/v1/auth/token", { body: '{"email":"\\udc00@x.io","password":"pppppppppppp"}' });
      expect(low.status).to.equal(400);
    });
  });

  describe("paths and encodings (point 10)", () => {
    it("makes composed and decomposed spellings one secret (NFC)", async () => {
      const composed = "caf\u00e9/cl\u00e9";
      const decomposed = composed.normalize("NFD");
      expect(decomposed).to.not.equal(composed);
      const put = await server.request("PUT", `/v1/vaults/${vaultId}/secrets/${encodeURIComponent(decomposed)}`,
        { token: owner.accessToken, body: { value: "nfc-value" } });
      expect(put.status).to.equal(201);
      expect(put.body.path).to.equal(composed);
      const read = await server.request("GET", `/v1/vaults/${vaultId}/secrets/${encodeURIComponent(composed)}`,
        { token: owner.accessToken });
      expect(read.status).to.equal(200);
      expect(read.body.value).to.equal("nfc-value");
      const listed = await server.request("GET", `/v1/vaults/${vaultId}/secrets?prefix=${encodeURIComponent("cafe\u0301")}`,
        { token: owner.accessToken });
      expect(listed.body.secrets.map((s: { path: string }) => s.path)).to.deep.equal([composed]);
    });

    it("refuses malformed percent-escapes instead of taking the path literally", async () => {
      for (const bad of ["a%zzb", "a%2", "ok/%", "a%2Fb%G1"]) {
        await expectRejected("GET", `/v1/vaults/${vaultId}/secrets/${bad}`);
      }
      await expectRejected("GET", `/v1/vaults/${vaultId}/secrets?prefix=%zz`);
    });

    it("refuses escapes that decode to invalid UTF-8", async () => {
      for (const bad of ["%C3%28", "%ED%A0%80", "%FF", "%E2%82"]) {
        await expectRejected("GET", `/v1/vaults/${vaultId}/secrets/a${bad}`);
      }
    });

    it("refuses raw non-ASCII bytes in the request target", async () => {
      const raw = await rawRequest(server.url,
        Buffer.concat([Buffer.from(`GET /v1/vaults/${vaultId}/secrets/caf`), Buffer.from([0xc3, 0xa9]),
          Buffer.from(` HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${owner.accessToken}\r\nConnection: close\r\n\r\n`)]));
      expect(raw.status).to.equal(400);
      expect(JSON.parse(raw.body)).to.include({ status: 400 });
    });

    it("refuses zero-width, bidirectional and other control or format characters in paths and patterns", async () => {
      for (const bad of ["%E2%80%8B", "%E2%80%AE", "%E2%80%8F", "%EF%BB%BF", "%C2%85", "%E2%80%A8", "%1B", "%7F"]) {
        await expectRejected("PUT", `/v1/vaults/${vaultId}/secrets/name${bad}x`, { body: { value: "v" } });
      }
      await expectRejected("GET", `/v1/vaults/${vaultId}/secrets?prefix=a%E2%80%AEb`);
      await expectRejected("POST", `/v1/vaults/${vaultId}/policies`, { body: {
        secret_path_pattern: "db/\u200b*", principal_type: "user", principal_id: owner.userId, permissions: ["read"] } });
    });

    it("still accepts %2F as a separator, and emoji and other scripts in names", async () => {
      const put = await server.request("PUT", `/v1/vaults/${vaultId}/secrets/${encodeURIComponent("keys/日本/🔑")}`,
        { token: owner.accessToken, body: { value: "v" } });
      expect(put.status).to.equal(201);
      expect(put.body.path).to.equal("keys/日本/🔑");
    });
  });
});
