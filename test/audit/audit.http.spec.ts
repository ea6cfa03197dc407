import { expect } from "chai";
import { signAuditHead } from "../../src/audit/signer.js";
import { liveGeneration, requestRebuild } from "../../src/projection-runner/catalog.js";
import { createUser, type TestUser } from "../support/identity.js";
import { startTestServer, type TestServer } from "../support/server.js";

describe("audit log over HTTP", () => {
  let server: TestServer;
  let owner: TestUser;
  let stranger: TestUser;
  let agentToken: string;
  let agentApiKey: string;
  let agentId: string;

  /** Waits until the read models include everything appended so far (signatures are recorded without waiting). */
  async function settle(): Promise<void> {
    await server.server.runner.waitFor(await server.server.store.headPosition(), 10_000);
  }

  const audit = (query = "", token = owner.accessToken) => server.request("GET", `/v1/audit/events${query}`, { token });
  const verify = (query = "") => server.request("GET", `/v1/audit/verify${query}`, { token: owner.accessToken });

  before(async () => {
    server = await startTestServer("audit");
    owner = await createUser(server);
    stranger = await createUser(server);
    const created = await server.request("POST", "/v1/agents", { token: owner.accessToken, body: { name: "auditor-bot" } });
    expect(created.status).to.equal(201);
    agentId = created.body.agent.id;
    agentApiKey = created.body.api_key;
    const exchanged = await server.request("POST", "/v1/auth/agent-token", { body: { api_key: agentApiKey } });
    agentToken = exchanged.body.access_token;
    await server.request("POST", "/v1/auth/token", { body: { email: owner.email, password: "not-the-password" } });
    await settle();
  });

  after(async () => {
    await server?.close();
  });

  describe("GET /v1/audit/events", () => {
    it("lists the organisation's entries newest first, with the reference's fields", async () => {
      const response = await audit();
      expect(response.status).to.equal(200);
      const { events, count } = response.body;
      expect(count).to.equal(events.length);
      const actions = events.map((e: { action: string }) => e.action);
      expect(actions).to.include.members(["user.create", "auth.login", "auth.login_failed", "agent.create", "auth.token_issued"]);
      for (const event of events) {
        expect(event.org_id).to.equal(owner.orgId);
        expect(event).to.include.keys("id", "action", "actor_id", "actor_type", "resource_type", "resource_id", "details",
          "ip_address", "created_at", "hash", "prev_hash");
      }
      const times = events.map((e: { created_at: string }) => Date.parse(e.created_at));
      expect(times).to.deep.equal([...times].sort((a, b) => b - a));
    });

    it("shows who acted from where, and only non-secret details", async () => {
      const { events } = (await audit("?action=agent.create")).body;
      expect(events).to.have.length(1);
      expect(events[0]).to.deep.include({ actor_type: "user", actor_id: owner.userId, resource_type: "agent", resource_id: agentId });
      expect(events[0].ip_address).to.be.a("string");
      expect(events[0].details).to.include({ name: "auditor-bot" });
      expect(JSON.stringify(events[0])).to.not.include(agentApiKey);
      expect(events[0].details).to.not.have.any.keys("api_key", "identity");
    });

    it("records failed sign-ins in the user's organisation", async () => {
      const { events } = (await audit("?action=auth.login_failed")).body;
      expect(events).to.have.length(1);
      expect(events[0]).to.deep.include({ resource_type: "user", resource_id: owner.userId });
      expect(events[0].details).to.deep.equal({ method: "password", reason: "wrong_password" });
    });

    it("never shows another organisation's entries", async () => {
      const mine = (await audit("?limit=1000")).body.events.map((e: { id: string }) => e.id);
      const theirs = (await audit("?limit=1000", stranger.accessToken)).body.events;
      expect(theirs.length).to.be.greaterThan(0);
      for (const event of theirs) {
        expect(event.org_id).to.equal(stranger.orgId);
        expect(mine).to.not.include(event.id);
      }
    });

    it("filters by action, actor, resource and time, and pages", async () => {
      const byActor = (await audit(`?actor_id=${owner.userId}&limit=1000`)).body.events;
      expect(byActor.length).to.be.greaterThan(0);
      expect(byActor.every((e: { actor_id: string }) => e.actor_id === owner.userId)).to.equal(true);

      const byResource = (await audit(`?resource_id=${agentId}`)).body.events;
      expect(byResource.map((e: { action: string }) => e.action)).to.include("agent.create");
      expect(byResource.every((e: { resource_id: string }) => e.resource_id === agentId)).to.equal(true);

      const all = (await audit("?limit=1000")).body.events;
      const [newest, second] = all;
      const paged = (await audit("?limit=1&offset=1")).body;
      expect(paged.count).to.equal(1);
      expect(paged.events[0].id).to.equal(second.id);

      const oldest = all[all.length - 1];
      const upToOldest = (await audit(`?to=${encodeURIComponent(oldest.created_at)}&limit=1000`)).body.events;
      expect(upToOldest.map((e: { id: string }) => e.id)).to.include(oldest.id);
      expect(upToOldest.map((e: { id: string }) => e.id)).to.not.include(newest.id);
      const future = new Date(Date.now() + 3600_000).toISOString();
      expect((await audit(`?from=${encodeURIComponent(future)}`)).body.events).to.deep.equal([]);
    });

    it("refuses bad queries with 400 problems", async () => {
      for (const query of ["?limit=0", "?limit=5000", "?limit=ten", "?offset=-1", "?from=yesterday",
        `?from=${encodeURIComponent("2030-01-02T00:00:00Z")}&to=${encodeURIComponent("2030-01-01T00:00:00Z")}`]) {
        const response = await audit(query);
        expect(response.status, query).to.equal(400);
        expect(response.body).to.include.keys("type", "title", "status", "detail");
      }
    });

    it("is for signed-in humans only", async () => {
      expect((await server.request("GET", "/v1/audit/events")).status).to.equal(401);
      const asAgent = await audit("", agentToken);
      expect(asAgent.status).to.equal(403);
      expect((await server.request("GET", "/v1/audit/verify", { token: agentToken })).status).to.equal(403);
    });
  });

  describe("GET /v1/audit/verify", () => {
    it("finds an intact chain valid, with the reference's fields", async () => {
      const response = await verify();
      expect(response.status).to.equal(200);
      expect(response.body).to.deep.include({ chain_valid: true, broken_at_event_id: null });
      expect(response.body.events_checked).to.be.greaterThan(5);
      expect(response.body.events_verified).to.equal(response.body.events_checked);
      expect(response.body.scheme).to.include({ algorithm: "SHA-256", hash_field: "hash", link_field: "prev_hash" });
    });

    it("checks a window and a limit", async () => {
      expect((await verify("?limit=3")).body).to.deep.include({ chain_valid: true, events_checked: 3 });
      const future = new Date(Date.now() + 3600_000).toISOString();
      expect((await verify(`?from=${encodeURIComponent(future)}`)).body).to.deep.include({ chain_valid: true, events_checked: 0 });
      expect((await verify("?limit=10001")).status).to.equal(400);
    });

    it("checks the signed heads it meets", async () => {
      const signedAt = await signAuditHead(server.server.services);
      expect(signedAt).to.be.a("number");
      await settle();
      // Once nothing new arrived, the signer stops: it never signs a signature (background appends such as
      // token bookkeeping may land in between, so give it a few rounds).
      let rounds = 0;
      while ((await signAuditHead(server.server.services)) !== undefined) {
        expect(++rounds).to.be.lessThan(5);
        await settle();
      }
      const { rows } = await server.server.db.query<{ event_type: string }>(
        "select event_type from audit_events order by audit_events.chain_index");
      const types = rows.map((r) => r.event_type);
      expect(types.filter((type, i) => type === "AuditHeadSigned" && types[i - 1] === "AuditHeadSigned")).to.deep.equal([]);
      const { body } = await verify("?limit=10000");
      expect(body.chain_valid).to.equal(true);
      expect(body.signatures_checked).to.equal(types.filter((type) => type === "AuditHeadSigned").length);
      expect((await audit("?action=audit.head_sign")).body.events).to.have.length(0);
    });

    it("names the first event altered in the event store, and is valid again once it is restored", async () => {
      const { db } = server.server;
      const { rows } = await db.query<{ event_id: string; data: unknown }>(
        `select event_id, data from eventstore_events where event_type = 'UserRegistered' and data->>'user_id' = $1`, [stranger.userId]);
      const [original] = rows;
      await db.query(`update eventstore_events set data = jsonb_set(data, '{display_name}', '"mallory"') where event_id = $1`,
        [original.event_id]);
      try {
        const { body } = await verify("?limit=10000");
        expect(body).to.deep.include({ chain_valid: false, broken_at_event_id: original.event_id });
        expect(body.reason).to.match(/altered/);
        expect(body.events_checked).to.equal(body.events_verified + 1);
      } finally {
        await db.query("update eventstore_events set data = $2::jsonb where event_id = $1", [original.event_id, JSON.stringify(original.data)]);
      }
      expect((await verify("?limit=10000")).body.chain_valid).to.equal(true);
    });

    it("catches a tampered event even after the audit log is rebuilt from it, through the signed head", async function () {
      this.timeout(60_000);
      const { db } = server.server;
      await server.request("POST", "/v1/auth/token", { body: { email: stranger.email, password: "wrong-again" } });
      await settle();
      expect(await signAuditHead(server.server.services)).to.be.a("number");
      await settle();
      const { rows } = await db.query<{ event_id: string }>(
        `select event_id from eventstore_events where event_type = 'LoginFailed' and stream_name = $1`, [`login-${stranger.userId}`]);
      await db.query(`update eventstore_events set data = jsonb_set(data, '{reason}', '"wrong_mfa_code"') where event_id = $1`,
        [rows[0].event_id]);
      const before = (await liveGeneration(db, "audit_events"))!.generation;
      await requestRebuild(db, "audit_events");
      for (let tries = 0; ((await liveGeneration(db, "audit_events"))?.generation ?? before) === before; tries++) {
        if (tries > 400) throw new Error("the audit log was not rebuilt");
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await settle();
      const { body } = await verify("?limit=10000");
      expect(body.chain_valid).to.equal(false);
      expect(body.reason).to.match(/signed/);
    });
  });
});

describe("audit head signer in a running server", () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer("audit-signer", { auditSignIntervalSeconds: 1 });
  });

  after(async () => {
    await server?.close();
  });

  it("signs the chain head every interval once new events arrived, and verify checks the signatures", async () => {
    const user = await createUser(server);
    const { db } = server.server;
    const signatures = async () => (await db.query<{ n: string }>(
      "select count(*)::text as n from eventstore_events where event_type = 'AuditHeadSigned'")).rows[0].n;
    for (let tries = 0; (await signatures()) === "0"; tries++) {
      if (tries > 100) throw new Error("no signed head after 10 s");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await server.server.runner.waitFor(await server.server.store.headPosition(), 10_000);
    const { body } = await server.request("GET", "/v1/audit/verify", { token: user.accessToken });
    expect(body.chain_valid).to.equal(true);
    expect(body.signatures_checked).to.be.greaterThan(0);
  });
});
