/**
 * Vaults and secrets over HTTP against the real server: the happy paths, every refusal, exact
 * max_access_count under parallel readers, fail-closed reads, crypto-shredding on vault deletion, and a
 * scan of the log, the read models and the logs for the plaintexts used.
 */
import { expect } from "chai";
import { randomUUID } from "node:crypto";
import { openValue, SealedValueUnreadable, type SealedValue } from "../../src/keys/envelope.js";
import { startServer } from "../../src/app/server.js";
import { STREAM_MAX_AGE_MS } from "../../src/eventstore/stream-cache.js";
import { createLogger } from "../../src/log.js";
import { usesSoftHsm } from "../support/app-config.js";
import { createUser, type TestUser } from "../support/identity.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { storedEvents, storedEventTexts } from "../support/events.js";

describe("vaults and secrets over HTTP", function () {
  let server: TestServer;
  let owner: TestUser;
  let stranger: TestUser;
  /** Every plaintext value stored in this file, for the final scan. */
  const plaintexts: string[] = [];
  const secretValue = () => {
    const value = `plain-${randomUUID()}`;
    plaintexts.push(value);
    return value;
  };

  before(async () => {
    server = await startTestServer("secrets-http");
    [owner, stranger] = await Promise.all([createUser(server), createUser(server)]);
  });
  after(() => server?.close());

  const as = (user: TestUser) => ({
    get: (path: string) => server.request("GET", path, { token: user.accessToken }),
    put: (path: string, body: unknown) => server.request("PUT", path, { token: user.accessToken, body }),
    post: (path: string, body?: unknown) => server.request("POST", path, { token: user.accessToken, body }),
    del: (path: string) => server.request("DELETE", path, { token: user.accessToken }),
  });

  async function newVault(user: TestUser = owner, name = `vault-${randomUUID()}`): Promise<string> {
    const response = await as(user).post("/v1/vaults", { name, description: "for tests" });
    expect(response.status, JSON.stringify(response.body)).to.equal(201);
    return response.body.id;
  }

  describe("vaults", () => {
    it("creates, lists and gets a vault", async () => {
      const created = await as(owner).post("/v1/vaults", { name: "Production", description: "prod keys" });
      expect(created.status).to.equal(201);
      expect(created.body).to.include({ name: "Production", description: "prod keys", created_by: owner.userId,
        created_by_type: "user", system: false });
      const list = await as(owner).get("/v1/vaults");
      expect(list.body.vaults.map((v: { id: string }) => v.id)).to.include(created.body.id);
      const got = await as(owner).get(`/v1/vaults/${created.body.id}`);
      expect(got.status).to.equal(200);
      expect(got.body.id).to.equal(created.body.id);
    });

    it("answers 409 for a duplicate name in the organisation, compared case-insensitively", async () => {
      await newVault(owner, "Duplicate");
      const again = await as(owner).post("/v1/vaults", { name: "duplicate" });
      expect(again.status).to.equal(409);
      expect(again.body).to.include({ status: 409, title: "Conflict" });
      // Another organisation may use the name.
      expect((await as(stranger).post("/v1/vaults", { name: "Duplicate" })).status).to.equal(201);
    });

    it("answers 400 for empty and reserved names", async () => {
      expect((await as(owner).post("/v1/vaults", { name: "  " })).status).to.equal(400);
      expect((await as(owner).post("/v1/vaults", { name: "__agent-keys" })).status).to.equal(400);
      expect((await as(owner).post("/v1/vaults", {})).status).to.equal(400);
    });

    it("hides other organisations' vaults (404) and answers 404 for unknown or malformed ids", async () => {
      const vaultId = await newVault();
      expect((await as(stranger).get(`/v1/vaults/${vaultId}`)).status).to.equal(404);
      expect((await as(stranger).get("/v1/vaults")).body.vaults.map((v: { id: string }) => v.id)).not.to.include(vaultId);
      expect((await as(owner).get(`/v1/vaults/${randomUUID()}`)).status).to.equal(404);
      expect((await as(owner).get("/v1/vaults/not-a-uuid")).status).to.equal(404);
      expect((await as(stranger).del(`/v1/vaults/${vaultId}`)).status).to.equal(404);
    });

    it("requires authentication", async () => {
      expect((await server.request("GET", "/v1/vaults")).status).to.equal(401);
    });

    it("deletes a vault: 204, then 404, its name free again, and every ciphertext of it in the log unreadable", async () => {
      const vaultId = await newVault(owner, "Shredded");
      for (const path of ["a/one", "a/two"]) {
        expect((await as(owner).put(`/v1/vaults/${vaultId}/secrets/${path}`, { value: secretValue() })).status).to.equal(201);
      }
      const rows = (await storedEvents(server.server.store, { type: "SecretVersionAdded", where: (data) => data.vault_id === vaultId }))
        .map((event) => ({ data: event.data as { secret_id: string; version: number; sealed: SealedValue } }));
      expect(rows).to.have.length(2);
      const open = (row: (typeof rows)[number]) => openValue(server.server.keys,
        { vaultId, secretId: row.data.secret_id, version: row.data.version }, row.data.sealed);
      for (const row of rows) expect(Buffer.from(await open(row)).toString()).to.match(/^plain-/);

      expect((await as(owner).del(`/v1/vaults/${vaultId}`)).status).to.equal(204);
      expect((await as(owner).get(`/v1/vaults/${vaultId}`)).status).to.equal(404);
      expect((await as(owner).get(`/v1/vaults/${vaultId}/secrets/a/one`)).status).to.equal(404);
      expect((await as(owner).del(`/v1/vaults/${vaultId}`)).status).to.equal(404);
      for (const row of rows) {
        let failure: unknown;
        await open(row).catch((error: unknown) => { failure = error; });
        expect(failure).to.be.instanceOf(SealedValueUnreadable);
      }
      expect((await as(owner).post("/v1/vaults", { name: "Shredded" })).status).to.equal(201);
    });
  });

  describe("secrets", () => {
    let vaultId: string;
    before(async () => { vaultId = await newVault(); });
    const secrets = () => `/v1/vaults/${vaultId}/secrets`;

    it("stores a version (201, reference fields) and reads the value back", async () => {
      const value = secretValue();
      const put = await as(owner).put(`${secrets()}/api-keys/stripe`,
        { type: "api_key", value, metadata: { team: "billing" }, rotation_policy: { days: 30 } });
      expect(put.status).to.equal(201);
      expect(put.body).to.include({ path: "api-keys/stripe", type: "api_key", version: 1 });
      expect(put.body).to.have.keys("id", "path", "type", "secret_type", "version", "metadata", "created_at", "is_disabled", "cmek_encrypted");
      expect(put.body).not.to.have.property("value");
      const got = await as(owner).get(`${secrets()}/api-keys/stripe`);
      expect(got.status).to.equal(200);
      expect(got.body).to.include({ path: "api-keys/stripe", type: "api_key", value, version: 1, created_by: owner.userId });
      expect(got.body.metadata).to.deep.equal({ team: "billing" });
    });

    it("takes percent-encoded paths (%2F) as the same secret", async () => {
      const value = secretValue();
      expect((await as(owner).put(`${secrets()}/config%2Fprod%2Fdb`, { type: "password", value })).status).to.equal(201);
      const got = await as(owner).get(`${secrets()}/config/prod/db`);
      expect(got.body).to.include({ path: "config/prod/db", value });
    });

    it("rejects bad paths with 400", async () => {
      const body = { value: "x" };
      // Dot segments percent-encoded inside one URL segment: fetch would resolve plain `./` and `../` itself.
      for (const path of ["a//b", "a%2F.%2Fb", "a%2F..%2Fb", "..%2Fb", "a%2F%2Fb", "a%01b", "a/", "x".repeat(513)]) {
        const response = await as(owner).put(`${secrets()}/${path}`, body);
        expect(response.status, path).to.equal(400);
        expect(response.body.detail).to.match(/invalid secret path|control or format characters/);
      }
    });

    it("rejects a bad body with 400: unknown type, negative max_access_count, past expiry", async () => {
      expect((await as(owner).put(`${secrets()}/bad`, { type: "nope", value: "x" })).status).to.equal(400);
      expect((await as(owner).put(`${secrets()}/bad`, { value: "x", max_access_count: -1 })).status).to.equal(400);
      expect((await as(owner).put(`${secrets()}/bad`, { value: "x", expires_at: "2001-01-01T00:00:00Z" })).status).to.equal(400);
      expect((await as(owner).put(`${secrets()}/bad`, {})).status).to.equal(400);
    });

    it("lists metadata only, filtered by prefix", async () => {
      for (const path of ["list/a", "list/b/c", "listing", "other/x"]) {
        await as(owner).put(`${secrets()}/${path}`, { value: secretValue() });
      }
      const all = await as(owner).get(`${secrets()}?prefix=list/`);
      expect(all.status).to.equal(200);
      expect(all.body.secrets.map((s: { path: string }) => s.path)).to.deep.equal(["list/a", "list/b/c"]);
      for (const secret of all.body.secrets) expect(secret).not.to.have.property("value");
      expect((await as(owner).get(`${secrets()}?prefix=list`)).body.secrets).to.have.length(3);
    });

    it("keeps versions: list, get one, disable one (410), rotate", async () => {
      const [v1, v2] = [secretValue(), secretValue()];
      await as(owner).put(`${secrets()}/versioned/key`, { value: v1 });
      await as(owner).put(`${secrets()}/versioned/key`, { value: v2 });
      const versions = await as(owner).get(`/v1/vaults/${vaultId}/secret-versions/versioned/key`);
      expect(versions.body.versions.map((v: { version: number }) => v.version)).to.deep.equal([1, 2]);
      expect((await as(owner).get(`/v1/vaults/${vaultId}/secret-version/versioned/key/1`)).body.value).to.equal(v1);
      expect((await as(owner).get(`/v1/vaults/${vaultId}/secret-version/versioned/key/9`)).status).to.equal(404);
      expect((await as(owner).post(`/v1/vaults/${vaultId}/secret-version-disable/versioned/key/1`)).status).to.equal(204);
      expect((await as(owner).get(`/v1/vaults/${vaultId}/secret-version/versioned/key/1`)).status).to.equal(410);
      expect((await as(owner).post(`/v1/vaults/${vaultId}/secret-version-disable/versioned/key/9`)).status).to.equal(404);
      expect((await as(owner).get(`${secrets()}/versioned/key`)).body.value).to.equal(v2);

      const rotated = await as(owner).post(`/v1/vaults/${vaultId}/secret-rotate/versioned/key`, { length: 40, charset: "alphanumeric" });
      expect(rotated.status).to.equal(201);
      expect(rotated.body, "rotation keeps the type (the spec's default generic here)").to.include({ version: 3, type: "generic" });
      const current = await as(owner).get(`${secrets()}/versioned/key`);
      expect(current.body.value).to.match(/^[A-Za-z0-9]{40}$/);
      expect((await as(owner).post(`/v1/vaults/${vaultId}/secret-rotate/versioned/nothing`, {})).status).to.equal(404);
      expect((await as(owner).post(`/v1/vaults/${vaultId}/secret-rotate/versioned/key`, { length: 4 })).status).to.equal(400);
    });

    it("soft-deletes (204, then 410 and gone from the list); an owner restores it", async () => {
      const value = secretValue();
      await as(owner).put(`${secrets()}/doomed`, { value });
      expect((await as(owner).del(`${secrets()}/doomed`)).status).to.equal(204);
      expect((await as(owner).get(`${secrets()}/doomed`)).status).to.equal(410);
      expect((await as(owner).del(`${secrets()}/doomed`)).status).to.equal(404);
      expect((await as(owner).get(secrets())).body.secrets.map((s: { path: string }) => s.path)).not.to.include("doomed");
      const restored = await as(owner).post(`/v1/vaults/${vaultId}/secret-restore/doomed`);
      expect(restored.status).to.equal(200);
      expect((await as(owner).get(`${secrets()}/doomed`)).body.value).to.equal(value);
      expect((await as(owner).del(`${secrets()}/never-was`)).status).to.equal(404);
      expect((await as(owner).get(`${secrets()}/never-was`)).status).to.equal(404);
    });

    // A second node needs stores two processes can share: PostgreSQL and an HSM (the embedded ones are locked).
    // The other node caches the streams its reads fold (src/eventstore/stream-cache.ts): a new version or a
    // delete reaches it within the cache's stated bound, STREAM_MAX_AGE_MS after the writing node answered.
    (process.env.DATABASE_URL && usesSoftHsm ? it : it.skip)("shows another node's new version and delete within the stream cache's bound", async () => {
      const [first, second] = [secretValue(), secretValue()];
      await as(owner).put(`${secrets()}/shared`, { value: first });
      const other = await startServer(server.config, createLogger({ level: "silent" }));
      try {
        const readThere = async () => {
          const answer = await fetch(`${other.url}${secrets()}/shared`, { headers: { authorization: `Bearer ${owner.accessToken}` } });
          return { status: answer.status, value: answer.status === 200 ? ((await answer.json()) as { value: string }).value : undefined };
        };
        expect(await readThere()).to.deep.equal({ status: 200, value: first });
        await as(owner).put(`${secrets()}/shared`, { value: second });
        // The writing node itself serves the new version at once.
        expect((await as(owner).get(`${secrets()}/shared`)).body.value).to.equal(second);
        await new Promise((resolve) => setTimeout(resolve, STREAM_MAX_AGE_MS));
        expect(await readThere()).to.deep.equal({ status: 200, value: second });
        expect((await as(owner).del(`${secrets()}/shared`)).status).to.equal(204);
        await new Promise((resolve) => setTimeout(resolve, STREAM_MAX_AGE_MS));
        expect((await readThere()).status).to.equal(410);
      } finally {
        await other.close();
      }
    });

    it("answers 410 once a secret has expired", async () => {
      await as(owner).put(`${secrets()}/short-lived`, { value: secretValue(), expires_at: server.clock.isoIn(60_000) });
      expect((await as(owner).get(`${secrets()}/short-lived`)).status).to.equal(200);
      // Time is the event here: move the clock past the expiry.
      server.clock.advance(60_001);
      expect((await as(owner).get(`${secrets()}/short-lived`)).status).to.equal(410);
    });

    it("lets exactly max_access_count of many parallel readers through, then 410", async () => {
      await as(owner).put(`${secrets()}/limited`, { value: secretValue(), max_access_count: 3 });
      const answers = await Promise.all(Array.from({ length: 24 }, () => as(owner).get(`${secrets()}/limited`)));
      const statuses = answers.map((a) => a.status);
      expect(statuses.filter((s) => s === 200), JSON.stringify(statuses)).to.have.length(3);
      expect(statuses.filter((s) => s === 410)).to.have.length(21);
      // A new version starts a new count.
      await as(owner).put(`${secrets()}/limited`, { value: secretValue(), max_access_count: 1 });
      expect((await as(owner).get(`${secrets()}/limited`)).status).to.equal(200);
      expect((await as(owner).get(`${secrets()}/limited`)).status).to.equal(410);
    });

    it("offers env_bundle variables as JSON with ?format=json, and checks bundles when stored", async () => {
      const token = secretValue();
      const bundle = `# comment\nexport API_URL=https://api.example.test\nTOKEN="${token}"\n\nEMPTY=\n`;
      expect((await as(owner).put(`${secrets()}/env/app`, { type: "env_bundle", value: bundle })).status).to.equal(201);
      const got = await as(owner).get(`${secrets()}/env/app?format=json`);
      expect(got.status).to.equal(200);
      expect(got.body.value).to.equal(bundle);
      expect(got.body.env).to.deep.equal({ API_URL: "https://api.example.test", TOKEN: token, EMPTY: "" });
      const bad = await as(owner).put(`${secrets()}/env/bad`, { type: "env", value: `no equals sign ${token}` });
      expect(bad.status).to.equal(400);
      expect(bad.body.detail).not.to.include(token);
      expect((await as(owner).get(`${secrets()}/api-keys/stripe?format=json`)).status).to.equal(400);
      expect((await as(owner).get(`${secrets()}/env/app?format=xml`)).status).to.equal(400);
    });

    it("answers 404 to other organisations, as if the vault did not exist", async () => {
      expect((await as(stranger).get(`${secrets()}/api-keys/stripe`)).status).to.equal(404);
      expect((await as(stranger).put(`${secrets()}/api-keys/stripe`, { value: "x" })).status).to.equal(404);
      expect((await as(stranger).get(secrets())).status).to.equal(404);
    });

    it("fails closed: no value and 503 when the read's audit event cannot be appended", async () => {
      const value = secretValue();
      await as(owner).put(`${secrets()}/audited`, { value });
      // The database refuses reads' audit events from now on, as a full disk or a broken store would.
      await server.server.db.exec(`
        create function refuse_reads() returns trigger language plpgsql as $$
        begin raise exception 'store broken for the test'; end $$;
        create trigger refuse_reads before insert on eventstore_events for each row
          when (new.event_type = 'SecretValueRead') execute function refuse_reads();`);
      try {
        const refused = await as(owner).get(`${secrets()}/audited`);
        expect(refused.status).to.equal(503);
        expect(JSON.stringify(refused.body)).not.to.include(value);
      } finally {
        await server.server.db.exec(`drop trigger refuse_reads on eventstore_events; drop function refuse_reads();`);
      }
      expect((await as(owner).get(`${secrets()}/audited`)).body.value).to.equal(value);
    });
  });

  describe("agents", () => {
    it("agents with intents_api_enabled get 403 on private_key and ssh_key secrets, and read others", async () => {
      const created = await as(owner).post("/v1/agents", { name: `agent-${randomUUID()}`, intents_api_enabled: true });
      expect(created.status).to.equal(201);
      const exchanged = await server.request("POST", "/v1/auth/agent-token", { body: { api_key: created.body.api_key } });
      const agent = { ...owner, accessToken: exchanged.body.access_token as string };
      const vaultId = await newVault(agent);
      for (const [path, type] of [["keys/signer", "private_key"], ["keys/ssh", "ssh_key"], ["keys/api", "api_key"]]) {
        expect((await as(agent).put(`/v1/vaults/${vaultId}/secrets/${path}`, { type, value: secretValue() })).status).to.equal(201);
      }
      expect((await as(agent).get(`/v1/vaults/${vaultId}/secrets/keys/signer`)).status).to.equal(403);
      expect((await as(agent).get(`/v1/vaults/${vaultId}/secrets/keys/ssh`)).status).to.equal(403);
      const readable = await as(agent).get(`/v1/vaults/${vaultId}/secrets/keys/api`);
      expect(readable.status, JSON.stringify(readable.body)).to.equal(200);
      // An owner of the organisation who is not the vault's creator and holds no policy is refused (and it is recorded).
      expect((await as(owner).get(`/v1/vaults/${vaultId}/secrets/keys/signer`)).status).to.equal(403);
      // On PostgreSQL a read of the whole log stops before positions still in flight (the meter's counts): wait past them.
      await server.server.runner.waitFor(await server.server.store.headPosition(), 10_000);
      const denied = await storedEvents(server.server.store,
        { type: "AccessDenied", where: (data) => data.vault_id === vaultId && data.actor?.id === owner.userId });
      expect(denied).to.have.length(1);

      // And the agent, in the same organisation but neither creator nor admin, may not touch the owner's vault.
      const ownersVault = await newVault(owner);
      await as(owner).put(`/v1/vaults/${ownersVault}/secrets/x`, { value: secretValue() });
      expect((await as(agent).get(`/v1/vaults/${ownersVault}/secrets/x`)).status).to.equal(403);
      expect((await as(agent).put(`/v1/vaults/${ownersVault}/secrets/x`, { value: "y" })).status).to.equal(403);
      expect((await as(agent).del(`/v1/vaults/${ownersVault}/secrets/x`)).status).to.equal(403);
      expect((await as(agent).del(`/v1/vaults/${ownersVault}`)).status).to.equal(403);
      expect((await as(agent).get(`/v1/vaults/${ownersVault}`)).status).to.equal(404);
      expect((await as(agent).post(`/v1/vaults/${vaultId}/secret-restore/keys/api`)).status).to.equal(403);
      expect((await as(owner).get(`/v1/vaults/${ownersVault}/secrets/x`)).status).to.equal(200);
    });
  });

  // Last: mocha runs a describe's own tests before its nested describes.
  describe("afterwards", () => it("leaves no plaintext in the event store, the read models or the logs", async () => {
    expect(plaintexts.length).to.be.greaterThan(10);
    const { db } = server.server;
    const texts = [
      ...await storedEventTexts(server.server.store),
      ...(await db.query<{ t: string }>(`select row_to_json(v)::text as t from vaults v`)).rows.map((r) => r.t),
      ...(await db.query<{ t: string }>(`select row_to_json(s)::text as t from secrets s`)).rows.map((r) => r.t),
      ...(await db.query<{ t: string }>(`select row_to_json(s)::text as t from secret_versions s`)).rows.map((r) => r.t),
      server.logs(),
    ].join("\n");
    for (const plaintext of plaintexts) expect(texts.includes(plaintext), plaintext).to.equal(false);
  }));
});
