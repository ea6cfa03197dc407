/**
 * `/v1/security/ip-rules` over HTTP against the real server, and their enforcement right after
 * authentication. The server listens dual-stack so that one test can call from two addresses: ::1, and
 * 127.0.0.1 (which the server sees IPv4-mapped, ::ffff:127.0.0.1).
 */
import { expect } from "chai";
import { createUser, type TestUser } from "../support/identity.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { storedEvents } from "../support/events.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("IP rules over HTTP", function () {
  let server: TestServer;
  let owner: TestUser;
  let stranger: TestUser;
  let agentKey: string;
  let agentToken: string;
  let fromIpv4: string;
  let fromIpv6: string;

  async function call(base: string, method: string, path: string, token?: string, body?: unknown) {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const response = await fetch(`${base}${path}`, {
      method, headers, body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  /** Calls from ::1, the address the rule changes are made from. */
  const admin = {
    list: (token = owner.accessToken) => call(fromIpv6, "GET", "/v1/security/ip-rules", token),
    create: (body: unknown, token = owner.accessToken) => call(fromIpv6, "POST", "/v1/security/ip-rules", token, body),
    remove: (id: string, token = owner.accessToken) => call(fromIpv6, "DELETE", `/v1/security/ip-rules/${id}`, token),
  };

  async function created(body: Record<string, unknown>, base = fromIpv6) {
    const res = await call(base, "POST", "/v1/security/ip-rules", owner.accessToken, body);
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body as { id: string; cidr: string };
  }

  before(async () => {
    server = await startTestServer("ip-rules", { host: "::" });
    const port = new URL(server.url).port;
    fromIpv4 = `http://127.0.0.1:${port}`;
    fromIpv6 = `http://[::1]:${port}`;
    owner = await createUser(server);
    stranger = await createUser(server);
    const agent = await server.request("POST", "/v1/agents", { token: owner.accessToken, body: { name: "ip-rules-bot" } });
    expect(agent.status, JSON.stringify(agent.body)).to.equal(201);
    agentKey = agent.body.api_key;
    const exchanged = await server.request("POST", "/v1/auth/agent-token", { body: { api_key: agentKey } });
    expect(exchanged.status, JSON.stringify(exchanged.body)).to.equal(200);
    agentToken = exchanged.body.access_token;
  });
  after(async () => server?.close());

  it("lists no rules for a new organisation", async () => {
    const res = await admin.list();
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ rules: [] });
  });

  it("creates a rule in canonical form, answers it in the reference's shape, and lists it", async () => {
    const res = await admin.create({ rule_type: "deny", cidr: "2001:DB8:0::/32", label: "test net", applies_to: "all",
      unknown_field: "ignored" });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(res.body).to.include({ org_id: owner.orgId, rule_type: "deny", cidr: "2001:db8::/32", label: "test net",
      applies_to: "all", created_by: owner.userId });
    expect(res.body.id).to.match(UUID);
    expect(new Date(res.body.created_at).toISOString()).to.equal(res.body.created_at);
    expect(res.body).not.to.have.property("unknown_field");
    expect((await admin.list()).body.rules).to.deep.equal([res.body]);
    expect((await admin.remove(res.body.id)).status).to.equal(204);
    expect((await admin.list()).body.rules).to.deep.equal([]);
  });

  it("refuses malformed rules with 400 problems", async () => {
    const cases: Array<[unknown, string]> = [
      [{ rule_type: "deny" }, "body.cidr"],
      [{ rule_type: "maybe", cidr: "192.0.2.0/24" }, "body.rule_type"],
      [{ rule_type: "deny", cidr: "not-an-address" }, "IPv4 or IPv6"],
      [{ rule_type: "deny", cidr: "192.0.2.1/24" }, "192.0.2.0/24"],
      [{ rule_type: "deny", cidr: "192.0.2.0/33" }, "at most 32"],
      [{ rule_type: "deny", cidr: 42 }, "body.cidr"],
      ["{not json", ""],
    ];
    for (const [body, detail] of cases) {
      const res = await admin.create(body);
      expect(res.status, JSON.stringify(body)).to.equal(400);
      expect(res.body).to.include({ status: 400, title: "Bad Request" });
      expect(res.body.detail).to.include(detail);
    }
    expect((await admin.list()).body.rules).to.deep.equal([]);
  });

  it("refuses the same rule twice (409), and a deletion of an unknown id or of one that is no id (404)", async () => {
    const rule = await created({ rule_type: "deny", cidr: "198.51.100.0/24" });
    const again = await admin.create({ rule_type: "deny", cidr: "::ffff:198.51.100.0/120" });
    expect(again.status).to.equal(409);
    expect(again.body.detail).to.include("198.51.100.0/24");
    expect((await admin.remove("5b0c3c1e-4a4c-4a0e-9d1e-2f3a4b5c6d7e")).status).to.equal(404);
    expect((await admin.remove("not-a-uuid")).status).to.equal(404);
    expect((await admin.remove(rule.id)).status).to.equal(204);
    expect((await admin.remove(rule.id)).status).to.equal(404);
  });

  it("refuses a change that would deny the caller's own address (409)", async () => {
    const deny = await admin.create({ rule_type: "deny", cidr: "::1" });
    expect(deny.status).to.equal(409);
    expect(deny.body.detail).to.include("address you are calling from");
    expect((await admin.create({ rule_type: "allow", cidr: "10.0.0.0/8" })).status).to.equal(409);
    expect((await admin.list()).body.rules).to.deep.equal([]);
  });

  it("denies callers of a deny rule with 403 right after authentication, whatever the credential", async () => {
    const rule = await created({ rule_type: "deny", cidr: "127.0.0.0/8" });
    for (const token of [owner.accessToken, agentKey, agentToken]) {
      const res = await call(fromIpv4, "GET", "/v1/agents/me", token);
      expect(res.status).to.equal(403);
      expect(res.body).to.include({ status: 403, title: "Forbidden" });
    }
    // An IPv4 deny rule does not cover IPv6 callers; public routes and other organisations are not concerned.
    expect((await call(fromIpv6, "GET", "/v1/agents/me", agentToken)).status).to.equal(200);
    expect((await call(fromIpv4, "GET", "/v1/health")).status).to.equal(200);
    expect((await call(fromIpv4, "GET", "/v1/security/ip-rules", stranger.accessToken)).status).to.equal(200);
    // Bad credentials stay a 401 from a denied address: the rules say nothing before the caller is known.
    expect((await call(fromIpv4, "GET", "/v1/security/ip-rules", "not-a-token")).status).to.equal(401);
    expect((await admin.remove(rule.id)).status).to.equal(204);
    expect((await call(fromIpv4, "GET", "/v1/agents/me", agentToken)).status).to.equal(200);
  });

  it("lets only matching addresses in once an allow rule exists, and keeps the last way in open", async () => {
    const ipv6Only = await created({ rule_type: "allow", cidr: "::1/128", label: "admin workstation" });
    expect((await call(fromIpv4, "GET", "/v1/security/ip-rules", owner.accessToken)).status).to.equal(403);
    const loopback4 = await created({ rule_type: "allow", cidr: "127.0.0.0/8" });
    expect((await call(fromIpv4, "GET", "/v1/security/ip-rules", owner.accessToken)).status).to.equal(200);
    // From ::1, deleting the rule that lets ::1 in is refused; from 127.0.0.1 it is fine.
    expect((await admin.remove(ipv6Only.id)).status).to.equal(409);
    expect((await call(fromIpv4, "DELETE", `/v1/security/ip-rules/${ipv6Only.id}`, owner.accessToken)).status).to.equal(204);
    expect((await admin.list()).status).to.equal(403);
    expect((await call(fromIpv4, "DELETE", `/v1/security/ip-rules/${loopback4.id}`, owner.accessToken)).status).to.equal(204);
    expect((await admin.list()).body.rules).to.deep.equal([]);
  });

  it("keeps organisations apart: a stranger neither sees nor deletes another organisation's rules", async () => {
    const rule = await created({ rule_type: "deny", cidr: "192.0.2.0/24" });
    expect((await admin.list(stranger.accessToken)).body.rules).to.deep.equal([]);
    expect((await admin.remove(rule.id, stranger.accessToken)).status).to.equal(404);
    expect((await admin.list()).body.rules.map((r: { id: string }) => r.id)).to.deep.equal([rule.id]);
    expect((await admin.remove(rule.id)).status).to.equal(204);
  });

  it("is for humans only: agents get 403, with a key or a token; anonymous callers 401", async () => {
    for (const token of [agentKey, agentToken]) {
      expect((await admin.list(token)).status).to.equal(403);
      expect((await admin.create({ rule_type: "deny", cidr: "192.0.2.0/24" }, token)).status).to.equal(403);
      expect((await admin.remove("5b0c3c1e-4a4c-4a0e-9d1e-2f3a4b5c6d7e", token)).status).to.equal(403);
    }
    expect((await call(fromIpv6, "GET", "/v1/security/ip-rules")).status).to.equal(401);
    expect((await call(fromIpv6, "POST", "/v1/security/ip-rules", undefined, { rule_type: "deny", cidr: "192.0.2.0/24" })).status)
      .to.equal(401);
  });

  it("is documented in /openapi.json under the reference's operation ids", async () => {
    const { body } = await server.request("GET", "/openapi.json");
    expect(body.paths["/v1/security/ip-rules"].get.operationId).to.equal("listIpRules");
    expect(body.paths["/v1/security/ip-rules"].post.operationId).to.equal("createIpRule");
    expect(body.paths["/v1/security/ip-rules/{rule_id}"].delete.operationId).to.equal("deleteIpRule");
  });

  it("records every change as an event in the organisation's stream, with who and from where", async () => {
    const rows = await storedEvents(server.server.store, { stream: `ip_rules-${owner.orgId}` });
    expect(rows.length).to.be.greaterThan(0);
    expect(rows.map((r) => r.type)).to.include.members(["IpRuleCreated", "IpRuleDeleted"]);
    for (const row of rows) {
      expect(row.data.org_id).to.equal(owner.orgId);
      expect(row.metadata.actor).to.deep.equal({ type: "user", id: owner.userId });
      expect(row.metadata.client_ip).to.be.oneOf(["::1", "::ffff:127.0.0.1"]);
    }
  });
});
