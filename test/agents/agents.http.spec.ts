/**
 * Agents over HTTP against the real server: registration and management by humans, the key -> JWT exchange,
 * what agents may and may not do, rotation, deactivation, deletion, self-enrolment, and that no key (API or
 * identity private key) is ever stored or logged in clear.
 */
import { expect } from "chai";
import { createPrivateKey, createPublicKey } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { createUser } from "../support/identity.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { storedEvents, storedEventTexts } from "../support/events.js";

type Account = Awaited<ReturnType<typeof createUser>>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function jwtClaims(token: string): Record<string, any> {
  return JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString());
}

/** The Ed25519 key inside an OpenSSH public key blob (RFC 8709): string "ssh-ed25519", string key. */
function sshBlobKey(blobBase64: string): Buffer {
  const blob = Buffer.from(blobBase64, "base64");
  const typeLength = blob.readUInt32BE(0);
  expect(blob.subarray(4, 4 + typeLength).toString()).to.equal("ssh-ed25519");
  const keyLength = blob.readUInt32BE(4 + typeLength);
  expect(keyLength).to.equal(32);
  return blob.subarray(8 + typeLength, 8 + typeLength + keyLength);
}

describe("agents over HTTP", function () {
  let server: TestServer;
  let owner: Account;
  let stranger: Account;
  /** Every plaintext credential the tests saw; none may be stored or logged. */
  const plaintexts: string[] = [];

  const as = (token: string) => ({
    get: (p: string) => server.request("GET", p, { token }),
    post: (p: string, body?: unknown) => server.request("POST", p, { token, body }),
    patch: (p: string, body: unknown) => server.request("PATCH", p, { token, body }),
    delete: (p: string) => server.request("DELETE", p, { token }),
  });

  async function newAgent(body: Record<string, unknown> = {}, account = owner) {
    const res = await as(account.accessToken).post("/v1/agents", { name: "deploy-bot", ...body });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    plaintexts.push(res.body.api_key);
    return { agent: res.body.agent, apiKey: res.body.api_key as string };
  }

  async function agentToken(body: Record<string, unknown>) {
    return server.request("POST", "/v1/auth/agent-token", { body });
  }

  async function tokenFor(apiKey: string): Promise<string> {
    const res = await agentToken({ api_key: apiKey });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body.access_token;
  }

  before(async () => {
    server = await startTestServer("agents");
    owner = await createUser(server);
    stranger = await createUser(server);
    plaintexts.push(owner.password, stranger.password);
  });

  after(async () => {
    await server?.close();
  });

  describe("registration", () => {
    it("creates an agent and shows its ocv_ key once", async () => {
      const { agent, apiKey } = await newAgent({ description: "ships builds", scopes: ["deploy/**"] });
      expect(apiKey).to.match(/^ocv_[0-9a-f]{16}[A-Za-z0-9_-]{43}$/);
      expect(agent).to.include({ name: "deploy-bot", description: "ships builds", org_id: owner.orgId,
        created_by: owner.userId, auth_method: "api_key", is_active: true, intents_api_enabled: false,
        token_ttl_seconds: null, shroud_enabled: false, tx_max_value_eth: null });
      expect(agent.id).to.match(UUID);
      expect(agent.scopes).to.deep.equal(["deploy/**"]);
      expect(sshBlobKey(agent.ssh_public_key)).to.have.length(32);
      expect(Buffer.from(agent.ecdh_public_key, "base64")).to.have.length(32);

      const fetched = await as(owner.accessToken).get(`/v1/agents/${agent.id}`);
      expect(fetched.status).to.equal(200);
      expect(fetched.body).to.deep.equal(agent);
      const listed = await as(owner.accessToken).get("/v1/agents");
      expect(listed.status).to.equal(200);
      expect(listed.body.agents.map((a: { id: string }) => a.id)).to.include(agent.id);
      expect(JSON.stringify(listed.body)).not.to.include(apiKey);
    });

    it("ignores fields it does not act on and accepts the deprecated guardrail names", async () => {
      const { agent } = await newAgent({ shroud_enabled: true, environment: "production", tx_max_value_eth: "1.5",
        tx_daily_limit_eth: "10", tx_allowed_chains: ["base"], tx_to_allowlist: ["0xabc"], token_ttl_seconds: 300 });
      expect(agent).to.include({ shroud_enabled: true, tx_max_value: "1.5", tx_max_value_eth: "1.5",
        tx_daily_limit: "10", token_ttl_seconds: 300 });
      expect(agent).not.to.have.property("environment");
    });

    it("answers 400 to malformed bodies", async () => {
      const user = as(owner.accessToken);
      for (const body of [
        {}, { name: "" }, { name: 42 }, { name: "x", token_ttl_seconds: 5 }, { name: "x", token_ttl_seconds: 1.5 },
        { name: "x", vault_ids: ["not-a-uuid"] }, { name: "x", tx_max_value_eth: "lots" }, { name: "x", scopes: "all" },
        { name: "x", auth_method: "mtls" }, { name: "x", expires_at: "tomorrow" },
      ]) {
        const res = await user.post("/v1/agents", body);
        expect(res.status, JSON.stringify(body)).to.equal(400);
        expect(res.body).to.include({ status: 400, title: "Bad Request" });
      }
      const notJson = await server.request("POST", "/v1/agents",
        { token: owner.accessToken, body: "{name", headers: { "content-type": "application/json" } });
      expect(notJson.status).to.equal(400);
      expect((await user.get("/v1/agents/not-a-uuid")).status).to.equal(404);
    });

    it("requires authentication", async () => {
      expect((await server.request("GET", "/v1/agents")).status).to.equal(401);
      expect((await server.request("POST", "/v1/agents", { body: { name: "x" } })).status).to.equal(401);
      expect((await server.request("GET", "/v1/agents", { token: "ocv_0000000000000000" + "A".repeat(43) })).status)
        .to.equal(401);
    });

    it("keeps organisations apart: another organisation's agents are not found", async () => {
      const { agent } = await newAgent();
      const other = as(stranger.accessToken);
      expect((await other.get(`/v1/agents/${agent.id}`)).status).to.equal(404);
      expect((await other.patch(`/v1/agents/${agent.id}`, { is_active: false })).status).to.equal(404);
      expect((await other.post(`/v1/agents/${agent.id}/rotate-key`)).status).to.equal(404);
      expect((await other.post(`/v1/agents/${agent.id}/rotate-identity-keys`)).status).to.equal(404);
      expect((await other.delete(`/v1/agents/${agent.id}`)).status).to.equal(404);
      const listed = await other.get("/v1/agents");
      expect(listed.body.agents.map((a: { id: string }) => a.id)).not.to.include(agent.id);
      expect((await as(owner.accessToken).get(`/v1/agents/${agent.id}`)).body.is_active).to.equal(true);
    });
  });

  describe("token exchange", () => {
    it("exchanges a key for an EdDSA JWT carrying the agent's scopes, vaults and Intents flag", async () => {
      const vaultId = "5a0c7e3e-1f7d-4c55-9a53-2b1a0f6e4d21";
      const { agent, apiKey } = await newAgent({ scopes: ["db/**"], vault_ids: [vaultId], intents_api_enabled: true });
      const res = await agentToken({ api_key: apiKey });
      expect(res.status).to.equal(200);
      expect(res.body).to.include({ token_type: "Bearer", expires_in: 3600, agent_id: agent.id });
      expect(res.body.vault_ids).to.deep.equal([vaultId]);
      const [header] = res.body.access_token.split(".");
      expect(JSON.parse(Buffer.from(header, "base64url").toString()).alg).to.equal("EdDSA");
      const claims = jwtClaims(res.body.access_token);
      expect(claims).to.include({ sub: `agent:${agent.id}`, org: owner.orgId, intents_api_enabled: true });
      expect(claims.scopes).to.deep.equal(["db/**"]);
      expect(claims.vault_ids).to.deep.equal([vaultId]);
      expect(claims.exp - claims.iat).to.equal(3600);

      const withId = await agentToken({ agent_id: agent.id, api_key: apiKey });
      expect(withId.status).to.equal(200);
      expect(withId.body.agent_id).to.equal(agent.id);
    });

    it("gives the token the agent's own lifetime", async () => {
      const { apiKey } = await newAgent({ token_ttl_seconds: 300 });
      const res = await agentToken({ api_key: apiKey });
      expect(res.body.expires_in).to.equal(300);
      const claims = jwtClaims(res.body.access_token);
      expect(claims.exp - claims.iat).to.equal(300);
    });

    it("answers 401 to a wrong key, a key of another agent's id, or an unknown key", async () => {
      const { apiKey } = await newAgent();
      const { agent: other } = await newAgent();
      const tampered = apiKey.slice(0, -1) + (apiKey.endsWith("A") ? "B" : "A");
      for (const body of [
        { api_key: tampered }, { api_key: "ocv_nonsense" }, { api_key: "1ck_" + "a".repeat(40) },
        { agent_id: other.id, api_key: apiKey },
      ]) {
        const res = await agentToken(body);
        expect(res.status, JSON.stringify(body)).to.equal(401);
        expect(res.body).to.include({ status: 401, detail: "invalid agent credentials" });
      }
    });

    it("answers 400 to malformed exchange bodies", async () => {
      for (const body of [{}, { api_key: "" }, { api_key: 7 }, { agent_id: "x", api_key: "ocv_abc" }]) {
        expect((await agentToken(body)).status, JSON.stringify(body)).to.equal(400);
      }
    });

    it("refuses an agent past its expires_at", async () => {
      const { apiKey } = await newAgent({ expires_at: "2020-01-01T00:00:00Z" });
      expect((await agentToken({ api_key: apiKey })).status).to.equal(401);
      expect((await as(apiKey).get("/v1/agents/me")).status).to.equal(401);
    });

    it("lets an agent act until its expires_at on the server's clock, and not after", async () => {
      const { apiKey } = await newAgent({ expires_at: server.clock.isoIn(60_000) });
      expect((await as(apiKey).get("/v1/agents/me")).status).to.equal(200);
      expect((await agentToken({ api_key: apiKey })).status).to.equal(200);
      server.clock.advance(120_000);
      expect((await as(apiKey).get("/v1/agents/me")).status).to.equal(401);
      expect((await agentToken({ api_key: apiKey })).status).to.equal(401);
    });
  });

  describe("what an agent may do", () => {
    it("reads its own profile with its JWT or its ocv_ key directly", async () => {
      const { agent, apiKey } = await newAgent();
      const jwt = await tokenFor(apiKey);
      for (const credential of [jwt, apiKey]) {
        const me = await as(credential).get("/v1/agents/me");
        expect(me.status).to.equal(200);
        expect(me.body).to.deep.equal(agent);
        expect((await as(credential).get(`/v1/agents/${agent.id}`)).body).to.deep.equal(agent);
      }
      const human = await as(owner.accessToken).get("/v1/agents/me");
      expect(human.status).to.equal(403);
    });

    it("may not manage agents, nor change its own guardrails (403)", async () => {
      const { agent, apiKey } = await newAgent();
      const { agent: sibling } = await newAgent();
      const jwt = await tokenFor(apiKey);
      for (const credential of [jwt, apiKey]) {
        const bot = as(credential);
        const attempts = await Promise.all([
          bot.post("/v1/agents", { name: "spawned" }),
          bot.get("/v1/agents"),
          bot.get(`/v1/agents/${sibling.id}`),
          bot.patch(`/v1/agents/${agent.id}`, { tx_max_value_eth: "1000", tx_allowed_chains: [] }),
          bot.patch(`/v1/agents/${agent.id}`, { is_active: true }),
          bot.post(`/v1/agents/${agent.id}/rotate-key`),
          bot.post(`/v1/agents/${agent.id}/rotate-identity-keys`),
          bot.delete(`/v1/agents/${sibling.id}`),
        ]);
        for (const res of attempts) {
          expect(res.status).to.equal(403);
          expect(res.body.detail).to.equal("agents cannot manage agents, policies or guardrails");
        }
      }
      expect((await as(owner.accessToken).get(`/v1/agents/${sibling.id}`)).status).to.equal(200);
    });
  });

  describe("management", () => {
    it("updates settings and guardrails; the next token carries them", async () => {
      const { agent, apiKey } = await newAgent();
      const vaultId = "0f3e2d1c-4b5a-4c6d-8e7f-9a0b1c2d3e4f";
      const res = await as(owner.accessToken).patch(`/v1/agents/${agent.id}`, {
        name: "deploy-bot-2", scopes: ["ci/*"], vault_ids: [vaultId], token_ttl_seconds: 120, intents_api_enabled: true,
        tx_to_allowlist: ["0x1111111111111111111111111111111111111111"], tx_max_value_eth: "0.25",
        tx_daily_limit_eth: "1", tx_allowed_chains: ["base", "sepolia"],
      });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body).to.include({ name: "deploy-bot-2", token_ttl_seconds: 120, intents_api_enabled: true,
        tx_max_value: "0.25", tx_daily_limit: "1" });
      expect(res.body.tx_allowed_chains).to.deep.equal(["base", "sepolia"]);
      expect(res.body.ssh_public_key).to.equal(agent.ssh_public_key);

      const token = await agentToken({ api_key: apiKey });
      expect(token.body).to.include({ expires_in: 120 });
      expect(token.body.vault_ids).to.deep.equal([vaultId]);
      expect(jwtClaims(token.body.access_token).scopes).to.deep.equal(["ci/*"]);

      const cleared = await as(owner.accessToken).patch(`/v1/agents/${agent.id}`, { tx_max_value: null, token_ttl_seconds: null });
      expect(cleared.body).to.include({ tx_max_value: null, tx_max_value_eth: null, token_ttl_seconds: null, tx_daily_limit: "1" });
      expect((await as(owner.accessToken).patch(`/v1/agents/${agent.id}`, {})).status).to.equal(200);
      for (const body of [{ is_active: "no" }, { token_ttl_seconds: 10 }, { name: "" }, { vault_ids: ["x"] }]) {
        expect((await as(owner.accessToken).patch(`/v1/agents/${agent.id}`, body)).status, JSON.stringify(body)).to.equal(400);
      }
    });

    it("deactivation stops the key and the tokens already issued at once; reactivation restores them", async () => {
      const { agent, apiKey } = await newAgent();
      const jwt = await tokenFor(apiKey);
      expect((await as(owner.accessToken).patch(`/v1/agents/${agent.id}`, { is_active: false })).body.is_active).to.equal(false);
      expect((await agentToken({ api_key: apiKey })).status).to.equal(401);
      expect((await as(jwt).get("/v1/agents/me")).status).to.equal(401);
      expect((await as(apiKey).get("/v1/agents/me")).status).to.equal(401);

      await as(owner.accessToken).patch(`/v1/agents/${agent.id}`, { is_active: true });
      expect((await as(jwt).get("/v1/agents/me")).status).to.equal(200);
      expect((await agentToken({ api_key: apiKey })).status).to.equal(200);
    });

    it("rotating the key kills the old key at once and hands out a working new one", async () => {
      const { agent, apiKey: oldKey } = await newAgent();
      const res = await as(owner.accessToken).post(`/v1/agents/${agent.id}/rotate-key`);
      expect(res.status).to.equal(200);
      const newKey: string = res.body.api_key;
      plaintexts.push(newKey);
      expect(newKey).to.match(/^ocv_/).and.not.equal(oldKey);
      expect((await agentToken({ api_key: oldKey })).status).to.equal(401);
      expect((await as(oldKey).get("/v1/agents/me")).status).to.equal(401);
      expect((await agentToken({ agent_id: agent.id, api_key: newKey })).status).to.equal(200);
      expect((await as(newKey).get("/v1/agents/me")).body.id).to.equal(agent.id);
    });

    it("keeps the private identity keys as secrets in the __agent-keys vault, and rotates them there", async () => {
      const { agent } = await newAgent();
      const vaults = await as(owner.accessToken).get("/v1/vaults");
      const agentKeys = vaults.body.vaults.find((v: { name: string }) => v.name === "__agent-keys");
      expect(agentKeys, "the organisation's __agent-keys vault").to.exist;
      expect((await as(owner.accessToken).delete(`/v1/vaults/${agentKeys.id}`)).status, "system vault").to.equal(403);

      const privateKeyOf = async (kind: "ssh" | "ecdh") => {
        const res = await as(owner.accessToken).get(`/v1/vaults/${agentKeys.id}/secrets/agents/${agent.id}/${kind}_private_key`);
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        plaintexts.push(res.body.value);
        const der = Buffer.from(res.body.value, "base64");
        const publicKey = createPublicKey(createPrivateKey({ key: der, format: "der", type: "pkcs8" }));
        return { version: res.body.version as number, publicKey: Buffer.from(publicKey.export({ format: "jwk" }).x!, "base64url") };
      };
      const before = await privateKeyOf("ssh");
      expect(before.publicKey).to.deep.equal(sshBlobKey(agent.ssh_public_key));
      expect((await privateKeyOf("ecdh")).publicKey.toString("base64")).to.equal(agent.ecdh_public_key);

      const res = await as(owner.accessToken).post(`/v1/agents/${agent.id}/rotate-identity-keys`);
      expect(res.status).to.equal(200);
      expect(res.body.ssh_public_key).not.to.equal(agent.ssh_public_key);
      expect(res.body.ecdh_public_key).not.to.equal(agent.ecdh_public_key);
      expect((await as(owner.accessToken).get(`/v1/agents/${agent.id}`)).body).to.deep.equal(res.body);
      const after = await privateKeyOf("ssh");
      expect(after.version).to.equal(before.version + 1);
      expect(after.publicKey).to.deep.equal(sshBlobKey(res.body.ssh_public_key));
      expect((await privateKeyOf("ecdh")).publicKey.toString("base64")).to.equal(res.body.ecdh_public_key);

      // The agent's own events say where the keys are, and hold no private key material.
      for (const event of await storedEvents(server.server.store, { stream: `agent-${agent.id}` })) {
        const identity = event.data.identity as any;
        if (!identity) continue;
        expect(identity).to.not.have.any.keys("ssh_private_key", "ecdh_private_key");
        expect(identity.private_keys.vault_id).to.equal(agentKeys.id);
      }
    });

    it("deletes an agent: gone from the API, its key and tokens dead", async () => {
      const { agent, apiKey } = await newAgent();
      const jwt = await tokenFor(apiKey);
      expect((await as(owner.accessToken).delete(`/v1/agents/${agent.id}`)).status).to.equal(204);
      expect((await as(owner.accessToken).get(`/v1/agents/${agent.id}`)).status).to.equal(404);
      expect((await agentToken({ api_key: apiKey })).status).to.equal(401);
      expect((await as(jwt).get("/v1/agents/me")).status).to.equal(401);
      expect((await as(apiKey).get("/v1/agents/me")).status).to.equal(401);
      expect((await as(owner.accessToken).delete(`/v1/agents/${agent.id}`)).status).to.equal(404);
      expect((await as(owner.accessToken).patch(`/v1/agents/${agent.id}`, { name: "back" })).status).to.equal(404);
      expect((await as(owner.accessToken).post(`/v1/agents/${agent.id}/rotate-key`)).status).to.equal(404);
    });
  });

  describe("self-enrolment", () => {
    const outbox = () => path.join(server.config.dataDir, "outbox");
    async function mailsTo(email: string): Promise<string[]> {
      const files = await readdir(outbox()).catch(() => [] as string[]);
      const texts = await Promise.all(files.map((file) => readFile(path.join(outbox(), file), "utf8")));
      return texts.filter((text) => text.startsWith(`To: ${email}\n`));
    }

    it("mails the agent id and key to the human and creates the agent in their organisation", async () => {
      const res = await server.request("POST", "/v1/agents/enroll",
        { body: { name: "helper", human_email: owner.email.toUpperCase(), description: "self-enrolled" } });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body.agent_id).to.equal("00000000-0000-0000-0000-000000000000");
      const mails = (await mailsTo(owner.email)).filter((text) => text.includes('"helper"'));
      expect(mails).to.have.length(1);
      const agentId = /Agent ID: (\S+)/.exec(mails[0])![1];
      const apiKey = /API key: +(ocv_\S+)/.exec(mails[0])![1];
      plaintexts.push(apiKey);

      const token = await agentToken({ agent_id: agentId, api_key: apiKey });
      expect(token.status).to.equal(200);
      const agent = await as(owner.accessToken).get(`/v1/agents/${agentId}`);
      expect(agent.body).to.include({ name: "helper", description: "self-enrolled", created_by: owner.userId,
        org_id: owner.orgId, is_active: true });
    });

    it("answers an unknown email exactly like a known one, and mails nobody", async () => {
      const email = "nobody-here@example.com";
      const res = await server.request("POST", "/v1/agents/enroll", { body: { name: "lost", human_email: email } });
      expect(res.status).to.equal(201);
      expect(res.body.agent_id).to.equal("00000000-0000-0000-0000-000000000000");
      expect(await mailsTo(email)).to.have.length(0);
    });

    it("allows one enrolment per email per 10 minutes (429 with Retry-After)", async () => {
      const email = "cooldown@example.com";
      expect((await server.request("POST", "/v1/agents/enroll", { body: { name: "a", human_email: email } })).status)
        .to.equal(201);
      const again = await server.request("POST", "/v1/agents/enroll", { body: { name: "b", human_email: email.toUpperCase() } });
      expect(again.status).to.equal(429);
      expect(Number(again.headers.get("retry-after"))).to.be.within(1, 600);
      expect(again.body).to.include({ status: 429 });
    });

    it("answers 400 to malformed enrolments", async () => {
      for (const body of [{}, { name: "x" }, { name: "x", human_email: "not-an-email" }, { name: "", human_email: "a@b.co" }]) {
        expect((await server.request("POST", "/v1/agents/enroll", { body })).status, JSON.stringify(body)).to.equal(400);
      }
    });
  });

  it("documents every agent route in /openapi.json", async () => {
    const { status, body } = await server.request("GET", "/openapi.json");
    expect(status).to.equal(200);
    expect(body.paths["/v1/agents"]).to.have.keys("get", "post");
    expect(body.paths["/v1/agents/{agent_id}"]).to.have.keys("get", "patch", "delete");
    for (const route of ["/v1/agents/me", "/v1/agents/enroll", "/v1/agents/{agent_id}/rotate-key",
      "/v1/agents/{agent_id}/rotate-identity-keys", "/v1/auth/agent-token"]) {
      expect(body.paths, route).to.have.property(route);
    }
  });

  describe("hygiene", () => {
    it("never stores or logs a key, a password or an identity private key in clear", async () => {
      // Make sure at least one exchange and one failure went through the logs.
      const { apiKey } = await newAgent();
      await tokenFor(apiKey);
      await agentToken({ api_key: apiKey + "x" });
      expect(plaintexts.length).to.be.greaterThan(5);

      const events = await storedEventTexts(server.server.store);
      const agents = await server.server.db.query<{ text: string }>(`select row_to_json(a)::text as text from agents a`);
      const stored = [...events, ...agents.rows.map((row) => row.text)].join("\n");
      const logs = server.logs();
      // The scan covers the agents' rows and events: their non-secret key prefix is there.
      expect(stored).to.include(apiKey.slice(0, 20));
      for (const secret of plaintexts) {
        expect(stored.includes(secret), "a plaintext in the events or read model").to.equal(false);
        expect(logs.includes(secret), "a plaintext in the logs").to.equal(false);
      }
    });
  });
});
