/**
 * Sharing over HTTP against the real server: link, targeted (user, agent's creator), email shares; the
 * passphrase, IP allowlist, acceptance, decline, revocation, expiry, exhaustion under concurrency, the
 * per-organisation rate limit, and what a share exposes once its secret changes or goes.
 */
import { expect } from "chai";
import { randomUUID } from "node:crypto";
import { createUser, lastMailTo, type TestUser } from "../support/identity.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { storedEvents, storedEventTexts } from "../support/events.js";

const inAnHour = () => new Date(Date.now() + 3600_000).toISOString();

interface Owner {
  user: TestUser;
  vaultId: string;
  secretId: string;
  value: string;
}

describe("sharing secrets over HTTP", () => {
  let server: TestServer;
  const plaintexts: string[] = [];

  /** A fresh organisation (share creation is rate-limited per organisation) with one secret in one vault. */
  async function newOwner(): Promise<Owner> {
    const user = await createUser(server);
    const vault = await server.request("POST", "/v1/vaults", { token: user.accessToken, body: { name: `v-${randomUUID().slice(0, 8)}` } });
    expect(vault.status).to.equal(201);
    const value = `sk_live_${randomUUID()}`;
    plaintexts.push(value);
    const put = await server.request("PUT", `/v1/vaults/${vault.body.id}/secrets/api/stripe`,
      { token: user.accessToken, body: { type: "api_key", value } });
    expect(put.status).to.equal(201);
    return { user, vaultId: vault.body.id, secretId: put.body.id, value };
  }

  async function share(owner: Owner, body: Record<string, unknown>, token = owner.user.accessToken) {
    return server.request("POST", `/v1/secrets/${owner.secretId}/share`, { token, body: { expires_at: inAnHour(), ...body } });
  }

  async function createdShare(owner: Owner, body: Record<string, unknown>, token?: string): Promise<string> {
    const response = await share(owner, body, token);
    expect(response.status, JSON.stringify(response.body)).to.equal(201);
    return response.body.id;
  }

  const read = (id: string, options: { token?: string; passphrase?: string } = {}) =>
    server.request("GET", `/v1/share/${id}`, {
      token: options.token, headers: options.passphrase === undefined ? {} : { "X-Share-Passphrase": options.passphrase },
    });

  before(async function () {
    this.timeout(60_000);
    server = await startTestServer("shares");
  });

  after(async () => {
    await server?.close();
  });

  describe("link shares", () => {
    let owner: Owner;
    before(async () => { owner = await newOwner(); });

    it("answers 201 with a share URL, then serves the value to anyone and tells the creator by mail", async () => {
      const created = await share(owner, { recipient_type: "anyone_with_link" });
      expect(created.status).to.equal(201);
      expect(created.body).to.include({ recipient_type: "anyone_with_link", max_access_count: 5, secret_id: owner.secretId });
      expect(created.body.share_url).to.match(new RegExp(`/v1/share/${created.body.id}$`));
      const got = await read(created.body.id);
      expect(got.status).to.equal(200);
      expect(got.body).to.include({ value: owner.value, path: "api/stripe", type: "api_key", version: 1, access_count: 1, max_access_count: 5 });
      const mail = await lastMailTo(server, owner.user.email);
      expect(mail).to.include(created.body.id).and.include("someone with the link");
      expect(mail).not.to.include(owner.value);
      await server.server.runner.waitFor(await server.server.store.headPosition(), 10_000);
      const audit = await server.request("GET", "/v1/audit/events?limit=1000", { token: owner.user.accessToken });
      expect(audit.body.events.filter((e: { action: string }) => e.action.startsWith("share.")).map((e: { action: string }) => e.action))
        .to.include.members(["share.create", "share.access"]);
      const outbound = await server.request("GET", "/v1/shares/outbound", { token: owner.user.accessToken });
      expect(outbound.body.shares.find((s: { id: string }) => s.id === created.body.id))
        .to.include({ access_count: 1, status: "open", secret_path: "api/stripe", is_expired: false });
    });

    it("wants the passphrase, in its header, and only the right one", async () => {
      const passphrase = `correct horse ${randomUUID()}`;
      plaintexts.push(passphrase);
      const id = await createdShare(owner, { recipient_type: "anyone_with_link", passphrase });
      expect((await read(id)).status).to.equal(403);
      const wrong = await read(id, { passphrase: "battery staple" });
      expect(wrong.status).to.equal(403);
      expect(wrong.body.detail).to.match(/passphrase/);
      expect((await read(id, { passphrase })).body.value).to.equal(owner.value);
      const refusals = await storedEvents(server.server.store, { stream: `share_refusals-${id}`, type: "ShareAccessRefused" });
      expect(refusals.map((e) => e.data.reason)).to.deep.equal(Array(2).fill("the share's passphrase is missing or wrong"));
    });

    it("serves only the addresses of its IP allowlist", async () => {
      const elsewhere = await createdShare(owner, { recipient_type: "anyone_with_link", ip_allowlist: ["203.0.113.0/24"] });
      const refused = await read(elsewhere);
      expect(refused.status).to.equal(403);
      expect(refused.body.detail).to.match(/address/);
      const here = await createdShare(owner, { recipient_type: "anyone_with_link", ip_allowlist: ["127.0.0.0/8", "::1/128"] });
      expect((await read(here)).status).to.equal(200);
    });

    it("serves exactly max_access_count reads under concurrency, then 410", async () => {
      const id = await createdShare(owner, { recipient_type: "anyone_with_link", max_access_count: 3 });
      const statuses = (await Promise.all(Array.from({ length: 10 }, () => read(id)))).map((r) => r.status);
      expect(statuses.filter((s) => s === 200)).to.have.length(3);
      expect(statuses.filter((s) => s === 410)).to.have.length(7);
      expect(await storedEvents(server.server.store, { stream: `share-${id}`, type: "ShareAccessed" })).to.have.length(3);
    });

    it("is revoked at once by its creator, and by no one else", async () => {
      const id = await createdShare(owner, { recipient_type: "anyone_with_link" });
      const stranger = await createUser(server);
      expect((await server.request("DELETE", `/v1/share/${id}`, { token: stranger.accessToken })).status).to.equal(403);
      expect((await server.request("DELETE", `/v1/share/${id}`, { token: owner.user.accessToken })).status).to.equal(204);
      expect((await read(id)).status).to.equal(410);
    });

    it("is gone (410) once expired, and says so in the listing", async () => {
      const id = await createdShare(owner, { recipient_type: "anyone_with_link", expires_at: server.clock.isoIn(60_000) });
      server.clock.advance(60_001);
      const gone = await read(id);
      expect(gone.status).to.equal(410);
      expect(gone.body.detail).to.match(/expired/);
      const outbound = await server.request("GET", "/v1/shares/outbound", { token: owner.user.accessToken });
      expect(outbound.body.shares.find((s: { id: string }) => s.id === id)).to.include({ status: "expired", is_expired: true });
    });
  });

  describe("targeted shares", () => {
    let owner: Owner;
    let bob: TestUser;
    before(async () => {
      owner = await newOwner();
      bob = await createUser(server);
    });

    it("must be accepted by the recipient before they can read it; no one else may", async () => {
      const id = await createdShare(owner, { recipient_type: "user", recipient_id: bob.userId });
      const inbound = await server.request("GET", "/v1/shares/inbound", { token: bob.accessToken });
      expect(inbound.body.shares.find((s: { id: string }) => s.id === id)).to.include({ status: "pending", is_accepted: false });
      const early = await read(id, { token: bob.accessToken });
      expect(early.status).to.equal(403);
      expect(early.body.detail).to.match(/accept/);
      expect((await read(id)).status).to.equal(401);
      expect((await read(id, { token: owner.user.accessToken })).status).to.equal(403);
      expect((await server.request("POST", `/v1/shares/${id}/accept`, { token: owner.user.accessToken })).status).to.equal(403);

      expect((await server.request("POST", `/v1/shares/${id}/accept`, { token: bob.accessToken })).status).to.equal(204);
      const got = await read(id, { token: bob.accessToken });
      expect(got.status).to.equal(200);
      expect(got.body.value).to.equal(owner.value);
      const after = await server.request("GET", "/v1/shares/inbound", { token: bob.accessToken });
      expect(after.body.shares.find((s: { id: string }) => s.id === id)).to.include({ status: "accepted", is_accepted: true, access_count: 1 });
    });

    it("is gone once declined, and cannot be accepted after", async () => {
      const id = await createdShare(owner, { recipient_type: "user", recipient_id: bob.userId });
      expect((await server.request("POST", `/v1/shares/${id}/decline`, { token: bob.accessToken })).status).to.equal(204);
      expect((await read(id, { token: bob.accessToken })).status).to.equal(410);
      expect((await server.request("POST", `/v1/shares/${id}/accept`, { token: bob.accessToken })).status).to.equal(409);
    });

    it("lets an agent share with its creator, who accepts and reads it", async () => {
      const t = { token: owner.user.accessToken };
      const agent = await server.request("POST", "/v1/agents", { ...t, body: { name: `bot-${randomUUID().slice(0, 8)}` } });
      expect(agent.status).to.equal(201);
      plaintexts.push(agent.body.api_key);
      const policy = await server.request("POST", `/v1/vaults/${owner.vaultId}/policies`, { ...t, body: {
        secret_path_pattern: "api/*", principal_type: "agent", principal_id: agent.body.agent.id, permissions: ["read"] } });
      expect(policy.status).to.equal(201);
      const agentToken = (await server.request("POST", "/v1/auth/agent-token", { body: { api_key: agent.body.api_key } })).body.access_token;

      const emailAttempt = await share(owner, { recipient_type: "external_email", email: "someone@example.test" }, agentToken);
      expect(emailAttempt.status).to.equal(403);
      expect(emailAttempt.body.detail).to.match(/email/);

      const id = await createdShare(owner, { recipient_type: "creator" }, agentToken);
      const inbound = await server.request("GET", "/v1/shares/inbound", t);
      expect(inbound.body.shares.find((s: { id: string }) => s.id === id))
        .to.include({ recipient_type: "creator", recipient_id: owner.user.userId, created_by: `agent:${agent.body.agent.id}` });
      expect((await server.request("POST", `/v1/shares/${id}/accept`, t)).status).to.equal(204);
      expect((await read(id, t)).body.value).to.equal(owner.value);
      const agentOutbound = await server.request("GET", "/v1/shares/outbound", { token: agentToken });
      expect(agentOutbound.body.shares.map((s: { id: string }) => s.id)).to.include(id);
    });

    it("refuses to share a secret the caller cannot read", async () => {
      const t = { token: owner.user.accessToken };
      const agent = await server.request("POST", "/v1/agents", { ...t, body: { name: `nosy-${randomUUID().slice(0, 8)}` } });
      plaintexts.push(agent.body.api_key);
      const agentToken = (await server.request("POST", "/v1/auth/agent-token", { body: { api_key: agent.body.api_key } })).body.access_token;
      expect((await share(owner, { recipient_type: "anyone_with_link" }, agentToken)).status).to.equal(403);
      expect((await share(owner, { recipient_type: "anyone_with_link" }, bob.accessToken)).status).to.equal(404);
    });

    it("claims an email share when that address signs up, for its owner to accept", async () => {
      const email = `invitee-${randomUUID()}@example.test`;
      const id = await createdShare(owner, { recipient_type: "external_email", email });
      expect(await lastMailTo(server, email)).to.include(id).and.not.include(owner.value);
      const invitee = await createUser(server, { email });
      const inbound = await server.request("GET", "/v1/shares/inbound", { token: invitee.accessToken });
      expect(inbound.body.shares.find((s: { id: string }) => s.id === id)).to.include({ recipient_email: email, status: "pending" });
      expect((await read(id, { token: bob.accessToken })).status).to.equal(403);
      expect((await server.request("POST", `/v1/shares/${id}/accept`, { token: invitee.accessToken })).status).to.equal(204);
      expect((await read(id, { token: invitee.accessToken })).body.value).to.equal(owner.value);
    });

    it("claims an email share to an existing account at its next login", async () => {
      const id = await createdShare(owner, { recipient_type: "external_email", email: bob.email.toUpperCase() });
      const before = await server.request("GET", "/v1/shares/inbound", { token: bob.accessToken });
      expect(before.body.shares.map((s: { id: string }) => s.id)).not.to.include(id);
      const login = await server.request("POST", "/v1/auth/token", { body: { email: bob.email, password: bob.password } });
      expect(login.status).to.equal(200);
      const after = await server.request("GET", "/v1/shares/inbound", { token: login.body.access_token });
      expect(after.body.shares.find((s: { id: string }) => s.id === id)).to.include({ recipient_id: bob.userId, status: "pending" });
    });
  });

  describe("what a share exposes as its secret changes", () => {
    let owner: Owner;
    before(async () => { owner = await newOwner(); });

    it("keeps serving the version shared after a new one is written", async () => {
      const id = await createdShare(owner, { recipient_type: "anyone_with_link" });
      const next = `sk_live_${randomUUID()}`;
      plaintexts.push(next);
      await server.request("PUT", `/v1/vaults/${owner.vaultId}/secrets/api/stripe`, { token: owner.user.accessToken, body: { value: next } });
      const got = await read(id);
      expect(got.body).to.include({ value: owner.value, version: 1 });
    });

    it("is gone once the secret is deleted", async () => {
      const id = await createdShare(owner, { recipient_type: "anyone_with_link" });
      await server.request("DELETE", `/v1/vaults/${owner.vaultId}/secrets/api/stripe`, { token: owner.user.accessToken });
      const gone = await read(id);
      expect(gone.status).to.equal(410);
      expect(gone.body.detail).to.match(/secret deleted/);
    });

    it("is gone once the vault is deleted (its key destroyed)", async () => {
      const other = await newOwner();
      const id = await createdShare(other, { recipient_type: "anyone_with_link" });
      expect((await server.request("DELETE", `/v1/vaults/${other.vaultId}`, { token: other.user.accessToken })).status).to.equal(204);
      expect((await read(id)).status).to.equal(410);
    });
  });

  describe("bad requests", () => {
    let owner: Owner;
    before(async () => { owner = await newOwner(); });

    it("answers 400 for a past or missing expiry, a missing recipient id, a bad allowlist", async () => {
      expect((await share(owner, { recipient_type: "anyone_with_link", expires_at: new Date(Date.now() - 1000).toISOString() })).status)
        .to.equal(400);
      const missing = await server.request("POST", `/v1/secrets/${owner.secretId}/share`,
        { token: owner.user.accessToken, body: { recipient_type: "anyone_with_link" } });
      expect(missing.status).to.equal(400);
      expect((await share(owner, { recipient_type: "user" })).status).to.equal(400);
      expect((await share(owner, { recipient_type: "creator" })).status).to.equal(400);
      expect((await share(owner, { recipient_type: "anyone_with_link", ip_allowlist: ["not-an-ip"] })).status).to.equal(400);
      expect((await share(owner, { recipient_type: "carrier_pigeon" })).status).to.equal(400);
    });

    it("answers 404 for unknown secrets, recipients and shares", async () => {
      expect((await server.request("POST", `/v1/secrets/${randomUUID()}/share`,
        { token: owner.user.accessToken, body: { recipient_type: "anyone_with_link", expires_at: inAnHour() } })).status).to.equal(404);
      expect((await share(owner, { recipient_type: "user", recipient_id: randomUUID() })).status).to.equal(404);
      expect((await read(randomUUID())).status).to.equal(404);
      expect((await read("not-a-uuid")).status).to.equal(404);
      expect((await server.request("POST", `/v1/shares/${randomUUID()}/accept`, { token: owner.user.accessToken })).status).to.equal(404);
      expect((await server.request("DELETE", `/v1/share/${randomUUID()}`, { token: owner.user.accessToken })).status).to.equal(404);
    });
  });

  describe("rate limit", () => {
    it("limits share creation to 10 a minute per organisation (429)", async () => {
      const owner = await newOwner();
      const statuses: number[] = [];
      for (let i = 0; i < 10; i++) statuses.push((await share(owner, { recipient_type: "anyone_with_link" })).status);
      expect(statuses).to.deep.equal(Array(10).fill(201));
      const limited = await share(owner, { recipient_type: "anyone_with_link" });
      expect(limited.status).to.equal(429);
      expect(Number(limited.headers.get("retry-after"))).to.be.greaterThan(0);
      const otherOrg = await newOwner();
      expect((await share(otherOrg, { recipient_type: "anyone_with_link" })).status).to.equal(201);
    });
  });

  // Mocha runs a suite's own tests before its nested suites: this one sits in the last suite to see them all.
  describe("afterwards", () => {
    it("audits every access and leaves no value, passphrase or key in events, read models or logs", async () => {
      await server.server.runner.waitFor(await server.server.store.headPosition(), 10_000);
      const events = await storedEventTexts(server.server.store, { category: "share" });
      expect(events.length).to.be.greaterThan(10);
      const { rows: shares } = await server.server.db.query<{ text: string }>("select t::text as text from shares t");
      const texts = [...events, ...shares.map((s) => s.text), server.logs()];
      expect(plaintexts.length).to.be.greaterThan(5);
      expect(plaintexts.filter((p) => texts.some((t) => t.includes(p)))).to.deep.equal([]);
      expect(await storedEvents(server.server.store, { type: "ShareAccessed" })).to.have.length.greaterThan(5);
    });
  });
});
