/**
 * Tokens and personal API keys over HTTP against the real server: revocation, `1ck_` keys (create, list,
 * revoke, exchange, direct bearer use), the published public keys, and token hygiene (every forged, stale
 * or orphaned token is a 401).
 */
import { randomUUID } from "node:crypto";
import http from "node:http";
import { expect } from "chai";
import { SignJWT, UnsecuredJWT, importJWK, jwtVerify } from "jose";
import { startServer } from "../../src/app/server.js";
import { TokenService } from "../../src/auth/tokens.js";
import { LOOKUP_MAX_AGE_MS } from "../../src/db/read-model-cache.js";
import { createLogger } from "../../src/log.js";
import { usesSoftHsm } from "../support/app-config.js";
import { createUser } from "../support/identity.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { storedEventTexts } from "../support/events.js";

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** GET from a chosen loopback source address (the whole 127/8 reaches our 127.0.0.1 listener). */
function getFrom(localAddress: string, url: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get(url, { localAddress, headers: { authorization: `Bearer ${token}` } }, (response) => {
      response.resume();
      response.on("end", () => resolve(response.statusCode!));
    }).on("error", reject);
  });
}

describe("auth tokens and personal API keys (HTTP)", function () {
  let server: TestServer;
  let user: Awaited<ReturnType<typeof createUser>>;
  const plaintexts: string[] = [];

  before(async () => {
    server = await startTestServer("auth-tokens");
    user = await createUser(server);
    plaintexts.push(user.password, user.accessToken);
  });
  after(async () => server?.close());

  const login = async () => {
    const answer = await server.request("POST", "/v1/auth/token", { body: { email: user.email, password: user.password } });
    expect(answer.status).to.equal(200);
    plaintexts.push(answer.body.access_token);
    return answer.body.access_token as string;
  };

  it("documents its routes in /openapi.json", async () => {
    const { body } = await server.request("GET", "/openapi.json");
    expect(body.paths).to.include.keys("/v1/auth/token", "/v1/auth/api-keys", "/v1/auth/api-keys/{key_id}",
      "/v1/auth/api-key-token", "/.well-known/jwks.json", "/v1/auth/jwt-public-key");
    expect(body.paths["/v1/auth/token"]).to.include.keys("delete");
  });

  describe("public keys", () => {
    it("publishes the JWKS that verifies our tokens, cacheable", async () => {
      const answer = await server.request("GET", "/.well-known/jwks.json");
      expect(answer.status).to.equal(200);
      expect(answer.headers.get("content-type")).to.match(/^application\/jwk-set\+json/);
      expect(answer.headers.get("cache-control")).to.equal("public, max-age=300");
      const [jwk] = answer.body.keys;
      expect(jwk).to.include({ kty: "OKP", crv: "Ed25519" });
      const { payload } = await jwtVerify(user.accessToken, await importJWK(jwk, "EdDSA"));
      expect(payload).to.include({ sub: `user:${user.userId}`, org: user.orgId });
    });

    it("publishes the raw Ed25519 public key", async () => {
      const jwks = await server.request("GET", "/.well-known/jwks.json");
      const answer = await server.request("GET", "/v1/auth/jwt-public-key");
      expect(answer.status).to.equal(200);
      expect(answer.body.alg).to.equal("EdDSA");
      expect(Buffer.from(answer.body.public_key_base64, "base64").toString("base64url")).to.equal(jwks.body.keys[0].x);
    });
  });

  describe("DELETE /v1/auth/token", () => {
    it("revokes the current token: 401 from then on, while other tokens keep working", async () => {
      const token = await login();
      const other = await login();
      expect((await server.request("GET", "/v1/auth/api-keys", { token })).status).to.equal(200);
      expect((await server.request("DELETE", "/v1/auth/token", { token })).status).to.equal(204);
      expect((await server.request("GET", "/v1/auth/api-keys", { token })).status).to.equal(401);
      expect((await server.request("DELETE", "/v1/auth/token", { token })).status).to.equal(401);
      expect((await server.request("GET", "/v1/auth/api-keys", { token: other })).status).to.equal(200);
    });

    // A second node needs stores two processes can share: PostgreSQL and an HSM (the embedded ones are locked).
    // The other node caches its lookups (src/db/read-model-cache.ts): the revocation reaches it within the
    // cache's stated bound, LOOKUP_MAX_AGE_MS after the revoking node answered, whatever else happens.
    (process.env.DATABASE_URL && usesSoftHsm ? it : it.skip)("is seen by every node sharing the database within the lookup cache's bound", async () => {
      const token = await login();
      const other = await startServer(server.config, createLogger({ level: "silent" }));
      try {
        const probe = async () => (await fetch(`${other.url}/v1/auth/api-keys`, { headers: { authorization: `Bearer ${token}` } })).status;
        // Twice: the second answer comes from the other node's cache ("not revoked").
        expect(await probe()).to.equal(200);
        expect(await probe()).to.equal(200);
        expect((await server.request("DELETE", "/v1/auth/token", { token })).status).to.equal(204);
        await new Promise((resolve) => setTimeout(resolve, LOOKUP_MAX_AGE_MS));
        expect(await probe()).to.equal(401);
        // The revoking node itself refuses at once (read-your-writes).
        expect((await server.request("GET", "/v1/auth/api-keys", { token })).status).to.equal(401);
      } finally {
        await other.close();
      }
    });

    it("records issuance and revocation as events in the token's stream", async () => {
      const token = await login();
      await server.request("DELETE", "/v1/auth/token", { token });
      const { claims } = await server.server.services.tokens.verify(token);
      const events = await server.server.store.readStream(`access_token-${claims.jti}`);
      expect(events.map((e) => e.type)).to.deep.equal(["AccessTokenIssued", "AccessTokenRevoked"]);
      expect(events[1].data).to.include({ subject_type: "user", subject_id: user.userId, org_id: user.orgId });
      expect(events[1].metadata.actor).to.deep.equal({ type: "user", id: user.userId });
    });

    it("answers 400 to a caller authenticated by API key: there is no token to revoke", async () => {
      const created = await server.request("POST", "/v1/auth/api-keys", { token: user.accessToken, body: { name: "revoker" } });
      plaintexts.push(created.body.api_key);
      const answer = await server.request("DELETE", "/v1/auth/token", { token: created.body.api_key });
      expect(answer.status).to.equal(400);
      expect(answer.body.detail).to.match(/API key/);
    });

    it("answers 401 without credentials", async () => {
      const answer = await server.request("DELETE", "/v1/auth/token");
      expect(answer.status).to.equal(401);
      expect(answer.headers.get("www-authenticate")).to.equal("Bearer");
    });
  });

  describe("personal API keys", () => {
    it("creates a key shown once, lists it without the key, and accepts it as a bearer token", async () => {
      const created = await server.request("POST", "/v1/auth/api-keys", {
        token: user.accessToken, body: { name: "deploy bot", scopes: ["vaults:read"], unknown_field: 1 },
      });
      expect(created.status).to.equal(201);
      const key: string = created.body.api_key;
      plaintexts.push(key);
      expect(key).to.match(/^1ck_[A-Za-z0-9_-]{43}$/);
      expect(created.body.key).to.include({ name: "deploy bot", is_active: true, key_prefix: key.slice(0, 12) });
      expect(created.body.key.scopes).to.deep.equal(["vaults:read"]);

      const list = await server.request("GET", "/v1/auth/api-keys", { token: key });
      expect(list.status).to.equal(200);
      const listed = list.body.keys.find((k: { id: string }) => k.id === created.body.key.id);
      expect(listed).to.deep.equal(created.body.key);
      expect(JSON.stringify(list.body)).not.to.contain(key);
    });

    it("exchanges a key for a JWT of its owner", async () => {
      const created = await server.request("POST", "/v1/auth/api-keys", { token: user.accessToken, body: { name: "exchange" } });
      plaintexts.push(created.body.api_key);
      const answer = await server.request("POST", "/v1/auth/api-key-token", { body: { api_key: created.body.api_key } });
      expect(answer.status).to.equal(200);
      expect(answer.body).to.include({ token_type: "Bearer", expires_in: 3600 });
      plaintexts.push(answer.body.access_token);
      const { claims } = await server.server.services.tokens.verify(answer.body.access_token);
      expect(claims).to.include({ sub: `user:${user.userId}`, org: user.orgId });
      expect((await server.request("GET", "/v1/auth/api-keys", { token: answer.body.access_token })).status).to.equal(200);
    });

    it("caps the exchanged token's lifetime at the key's expiry", async () => {
      const expiresAt = new Date(Date.now() + 600_000).toISOString();
      const created = await server.request("POST", "/v1/auth/api-keys", {
        token: user.accessToken, body: { name: "short", expires_at: expiresAt },
      });
      expect(created.status).to.equal(201);
      plaintexts.push(created.body.api_key);
      expect(created.body.key.expires_at).to.equal(expiresAt);
      const answer = await server.request("POST", "/v1/auth/api-key-token", { body: { api_key: created.body.api_key } });
      expect(answer.body.expires_in).to.be.within(590, 600);
    });

    it("revokes a key: no longer accepted directly or in exchange, listed as inactive", async () => {
      const created = await server.request("POST", "/v1/auth/api-keys", { token: user.accessToken, body: { name: "doomed" } });
      const key: string = created.body.api_key;
      plaintexts.push(key);
      expect((await server.request("DELETE", `/v1/auth/api-keys/${created.body.key.id}`, { token: user.accessToken })).status)
        .to.equal(204);
      expect((await server.request("GET", "/v1/auth/api-keys", { token: key })).status).to.equal(401);
      const exchange = await server.request("POST", "/v1/auth/api-key-token", { body: { api_key: key } });
      expect(exchange.status).to.equal(401);
      expect(exchange.body.detail).to.equal("invalid API key");
      const list = await server.request("GET", "/v1/auth/api-keys", { token: user.accessToken });
      expect(list.body.keys.find((k: { id: string }) => k.id === created.body.key.id).is_active).to.equal(false);
      // Revoking again changes nothing.
      expect((await server.request("DELETE", `/v1/auth/api-keys/${created.body.key.id}`, { token: user.accessToken })).status)
        .to.equal(204);
    });

    it("keeps users apart: another user neither sees nor revokes my keys (404)", async () => {
      const created = await server.request("POST", "/v1/auth/api-keys", { token: user.accessToken, body: { name: "mine" } });
      plaintexts.push(created.body.api_key);
      const other = await createUser(server);
      plaintexts.push(other.password, other.accessToken);
      const list = await server.request("GET", "/v1/auth/api-keys", { token: other.accessToken });
      expect(list.body.keys).to.deep.equal([]);
      const revoke = await server.request("DELETE", `/v1/auth/api-keys/${created.body.key.id}`, { token: other.accessToken });
      expect(revoke.status).to.equal(404);
      expect(revoke.headers.get("content-type")).to.match(/^application\/problem\+json/);
      expect((await server.request("GET", "/v1/auth/api-keys", { token: created.body.api_key })).status).to.equal(200);
    });

    it("answers 404 for an unknown key id, and for one that is no id (no route has such a path)", async () => {
      expect((await server.request("DELETE", `/v1/auth/api-keys/${randomUUID()}`, { token: user.accessToken })).status).to.equal(404);
      expect((await server.request("DELETE", "/v1/auth/api-keys/not-a-uuid", { token: user.accessToken })).status).to.equal(404);
    });

    it("rejects malformed create bodies with 400 problems", async () => {
      for (const body of [{}, { name: "" }, { name: 5 }, { name: "x", scopes: "all" }, { name: "x", expires_at: "soon" }, "[not json"]) {
        const answer = await server.request("POST", "/v1/auth/api-keys", { token: user.accessToken, body });
        expect(answer.status, JSON.stringify(body)).to.equal(400);
        expect(answer.body).to.include({ status: 400, title: "Bad Request" });
      }
      const past = await server.request("POST", "/v1/auth/api-keys", {
        token: user.accessToken, body: { name: "x", expires_at: "2020-01-01T00:00:00Z" },
      });
      expect(past.status).to.equal(400);
      expect(past.body.detail).to.equal("expires_at must be in the future");
    });

    it("refuses unknown, malformed and missing keys in exchange with 401 or 400", async () => {
      const forged = `1ck_${"A".repeat(43)}`;
      for (const api_key of [forged, "1ck_short", "ocv_whatever", ""]) {
        expect((await server.request("POST", "/v1/auth/api-key-token", { body: { api_key } })).status, api_key).to.equal(401);
      }
      expect((await server.request("POST", "/v1/auth/api-key-token", { body: {} })).status).to.equal(400);
      expect((await server.request("GET", "/v1/auth/api-keys", { token: forged })).status).to.equal(401);
    });

    it("answers 401 to a personal key that differs from a real one only after its prefix", async () => {
      const created = await server.request("POST", "/v1/auth/api-keys", { token: user.accessToken, body: { name: "prefix" } });
      const key: string = created.body.api_key;
      plaintexts.push(key);
      const sibling = key.slice(0, -1) + (key.endsWith("A") ? "B" : "A");
      expect((await server.request("GET", "/v1/auth/api-keys", { token: sibling })).status).to.equal(401);
    });
  });

  describe("token hygiene: every unacceptable token is a 401", () => {
    const probe = async (token: string) => (await server.request("GET", "/v1/auth/api-keys", { token })).status;
    const claims = () => ({ sub: `user:${user.userId}`, org: user.orgId });

    /** A token service on the server's own signing key, with another issuer, audience or clock. */
    const signer = (options: { issuer?: string; audience?: string; clock?: () => Date }) => TokenService.open(server.server.keys, {
      issuer: options.issuer ?? server.server.services.tokens.issuer, audience: options.audience ?? "keyledger-api", clock: options.clock,
    });

    it("accepts a well-formed token (the baseline the cases below depart from)", async () => {
      expect(await probe((await (await signer({})).issue(claims(), 60)).token)).to.equal(200);
    });

    it("a token accepted before stops being accepted at its expiry (verified tokens are kept, not their validity)", async () => {
      const { token } = await (await signer({ clock: server.clock.now })).issue(claims(), 60);
      expect(await probe(token)).to.equal(200);
      expect(await probe(token)).to.equal(200);
      server.clock.advance(61_000);
      expect(await probe(token)).to.equal(401);
    });

    it("alg none", async () => {
      const [, payload] = user.accessToken.split(".");
      expect(await probe(`${b64url({ alg: "none", typ: "JWT" })}.${payload}.`)).to.equal(401);
      const unsecured = new UnsecuredJWT({ ...claims(), jti: randomUUID() }).setIssuer(server.server.services.tokens.issuer)
        .setAudience("keyledger-api").setIssuedAt().setNotBefore("0s").setExpirationTime("1m").encode();
      expect(await probe(unsecured)).to.equal(401);
    });

    it("HMAC-signed with the public key as the secret (key confusion)", async () => {
      const jwk = server.server.services.tokens.jwks().keys[0];
      for (const secret of [Buffer.from(jwk.x, "base64url"), Buffer.from(jwk.x), Buffer.from(JSON.stringify(jwk))]) {
        const token = await new SignJWT({ ...claims(), jti: randomUUID() }).setProtectedHeader({ alg: "HS256", typ: "JWT" })
          .setIssuer(server.server.services.tokens.issuer).setAudience("keyledger-api").setIssuedAt().setNotBefore("0s")
          .setExpirationTime("1m").sign(secret);
        expect(await probe(token)).to.equal(401);
      }
    });

    it("wrong issuer", async () => {
      expect(await probe((await (await signer({ issuer: "https://evil.example" })).issue(claims(), 60)).token)).to.equal(401);
    });

    it("wrong audience", async () => {
      expect(await probe((await (await signer({ audience: "someone-else" })).issue(claims(), 60)).token)).to.equal(401);
    });

    it("expired", async () => {
      const hourAgo = () => new Date(Date.now() - 3600_000);
      expect(await probe((await (await signer({ clock: hourAgo })).issue(claims(), 60)).token)).to.equal(401);
    });

    it("not yet valid", async () => {
      const inAnHour = () => new Date(Date.now() + 3600_000);
      expect(await probe((await (await signer({ clock: inAnHour })).issue(claims(), 7200)).token)).to.equal(401);
    });

    it("tampered payload or signature", async () => {
      const [header, payload, signature] = user.accessToken.split(".");
      const raised = b64url({ ...JSON.parse(Buffer.from(payload, "base64url").toString()), org: randomUUID() });
      expect(await probe(`${header}.${raised}.${signature}`)).to.equal(401);
      const flipped = Buffer.from(signature, "base64url");
      flipped[0] ^= 1;
      expect(await probe(`${header}.${payload}.${flipped.toString("base64url")}`)).to.equal(401);
    });

    it("a subject that does not exist, or a malformed one", async () => {
      const tokens = await signer({});
      expect(await probe((await tokens.issue({ sub: `user:${randomUUID()}`, org: user.orgId }, 60)).token)).to.equal(401);
      expect(await probe((await tokens.issue({ sub: `agent:${randomUUID()}`, org: user.orgId }, 60)).token)).to.equal(401);
      expect(await probe((await tokens.issue({ sub: user.userId, org: user.orgId }, 60)).token)).to.equal(401);
    });

    it("the token and API key of a user who deleted their account", async () => {
      const leaver = await createUser(server);
      const key = (await server.request("POST", "/v1/auth/api-keys", { token: leaver.accessToken, body: { name: "k" } })).body.api_key;
      plaintexts.push(leaver.password, leaver.accessToken, key);
      const spare = (await server.request("POST", "/v1/auth/token", { body: { email: leaver.email, password: leaver.password } }))
        .body.access_token;
      plaintexts.push(spare);
      expect((await server.request("DELETE", "/v1/auth/me", { token: leaver.accessToken,
        headers: { "x-auth-confirm": leaver.password }, body: { confirmation: "DELETE MY ACCOUNT" } }))
        .status).to.equal(204);
      expect(await probe(spare)).to.equal(401);
      expect(await probe(key)).to.equal(401);
      expect((await server.request("POST", "/v1/auth/api-key-token", { body: { api_key: key } })).status).to.equal(401);
    });

    it("a token naming another organisation than its subject's", async () => {
      expect(await probe((await (await signer({})).issue({ ...claims(), org: randomUUID() }, 60)).token)).to.equal(401);
    });

    it("garbage and wrong schemes", async () => {
      expect(await probe("not-a-jwt")).to.equal(401);
      const basic = await server.request("GET", "/v1/auth/api-keys", { headers: { authorization: `Basic ${user.accessToken}` } });
      expect(basic.status).to.equal(401);
    });
  });

  describe("agent credentials", () => {
    const createAgent = async (name: string) => {
      const answer = await server.request("POST", "/v1/agents", { token: user.accessToken, body: { name } });
      expect(answer.status).to.equal(201);
      plaintexts.push(answer.body.api_key);
      return { id: answer.body.agent.id as string, key: answer.body.api_key as string };
    };
    const agentToken = async (key: string) => {
      const answer = await server.request("POST", "/v1/auth/agent-token", { body: { api_key: key } });
      expect(answer.status).to.equal(200);
      plaintexts.push(answer.body.access_token);
      return answer.body.access_token as string;
    };

    it("accepts an ocv_ key directly as a bearer token, as the agent", async () => {
      const agent = await createAgent("direct");
      const me = await server.request("GET", "/v1/agents/me", { token: agent.key });
      expect(me.status).to.equal(200);
      expect(me.body.id).to.equal(agent.id);
    });

    it("keeps agents out of human-only routes (403, not 401)", async () => {
      const agent = await createAgent("nosy");
      for (const token of [agent.key, await agentToken(agent.key)]) {
        const answer = await server.request("POST", "/v1/auth/api-keys", { token, body: { name: "sneaky" } });
        expect(answer.status).to.equal(403);
        expect(answer.body.detail).to.equal("agents cannot manage agents, policies or guardrails");
      }
    });

    it("revokes an agent's token", async () => {
      const agent = await createAgent("revoker");
      const token = await agentToken(agent.key);
      expect((await server.request("GET", "/v1/agents/me", { token })).status).to.equal(200);
      expect((await server.request("DELETE", "/v1/auth/token", { token })).status).to.equal(204);
      expect((await server.request("GET", "/v1/agents/me", { token })).status).to.equal(401);
    });

    it("refuses the tokens and key of a deactivated agent, and the tokens of a deleted one", async () => {
      const paused = await createAgent("paused");
      const pausedToken = await agentToken(paused.key);
      expect((await server.request("PATCH", `/v1/agents/${paused.id}`, { token: user.accessToken, body: { is_active: false } }))
        .status).to.equal(200);
      expect((await server.request("GET", "/v1/agents/me", { token: pausedToken })).status).to.equal(401);
      expect((await server.request("GET", "/v1/agents/me", { token: paused.key })).status).to.equal(401);

      const gone = await createAgent("gone");
      const goneToken = await agentToken(gone.key);
      expect((await server.request("DELETE", `/v1/agents/${gone.id}`, { token: user.accessToken })).status).to.equal(204);
      expect((await server.request("GET", "/v1/agents/me", { token: goneToken })).status).to.equal(401);
    });
  });

  describe("IP rules after authentication", () => {
    it("answers 403 to an authenticated caller from an address the organisation does not allow", async () => {
      const owner = await createUser(server);
      plaintexts.push(owner.password, owner.accessToken);
      const rule = await server.request("POST", "/v1/security/ip-rules", {
        token: owner.accessToken, body: { rule_type: "allow", cidr: "127.0.0.1/32" },
      });
      expect(rule.status).to.equal(201);
      const url = `${server.url}/v1/auth/api-keys`;
      expect(await getFrom("127.0.0.1", url, owner.accessToken)).to.equal(200);
      expect(await getFrom("127.0.0.2", url, owner.accessToken)).to.equal(403);
      // Other organisations are not affected by this one's rules.
      expect(await getFrom("127.0.0.2", url, user.accessToken)).to.equal(200);
    });
  });

  describe("secrets at rest", () => {
    it("never stores or logs a password, API key or token in clear", async () => {
      const db = server.server.db;
      // Through the store's port, so the scan covers whichever engine holds the events.
      const events = (await storedEventTexts(server.server.store)).map((text) => ({ text }));
      const { rows: keys } = await db.query<{ text: string }>(`select row_to_json(k)::text as text from api_keys k`);
      const { rows: revoked } = await db.query<{ text: string }>(`select row_to_json(r)::text as text from revoked_tokens r`);
      const haystacks = [...events, ...keys, ...revoked].map((r) => r.text).concat(server.logs());
      expect(events.length).to.be.greaterThan(20);
      expect(keys.length).to.be.greaterThan(0);
      expect(plaintexts.length).to.be.greaterThan(10);
      for (const secret of plaintexts) {
        for (const haystack of haystacks) expect(haystack.includes(secret), "a plaintext credential leaked").to.equal(false);
      }
    });
  });
});
