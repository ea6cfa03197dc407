/**
 * Shroud end to end: the real API server and Shroud on its stores, a fake provider on loopback speaking the
 * providers' protocols. A stored secret in a prompt never reaches the provider; one the provider "leaks"
 * never reaches the client, whole or streamed (split across deltas, SSE frames and network reads); the
 * provider key comes from the vault, read as the agent and audited; credentials stay out of upstream
 * requests; and no secret reaches a log, an event or a read model.
 */
import { expect } from "chai";
import { storedEventTexts } from "../support/events.js";
import { answerText, streamedText } from "../support/fake-llm.js";
import { callShroud, chat, putSecret, shroudAgent, startShroudWorld, tagOf, type ShroudWorld, type TestAgent } from "./support.js";

describe("Shroud proxy", function () {
  let world: ShroudWorld;
  let agent: TestAgent;
  const password = "pg-S3cret-Value-0123456789";

  before(async function () {
    // Starting a server and an organisation takes a minute on a busy machine.
    this.timeout(300_000);
    world = await startShroudWorld("shroud-proxy");
    agent = await shroudAgent(world);
  });
  after(async () => {
    await world?.close();
  });
  beforeEach(() => world.fake.reset());

  describe("health and attestation", () => {
    it("answers health without credentials and says plainly that nothing is attested", async () => {
      for (const path of ["/healthz", "/health/live", "/health/ready"]) {
        const res = await fetch(`${world.shroud.url}${path}`);
        expect(res.status, path).to.equal(200);
      }
      const attestation = await (await fetch(`${world.shroud.url}/v1/shroud/attestation`)).json();
      expect(attestation).to.include({ attested: false, attestation_level: "none" });
    });

    it("answers unknown routes and methods in the error shape", async () => {
      const res = await fetch(`${world.shroud.url}/v1/nothing`, { method: "POST" });
      expect(res.status).to.equal(404);
      expect((await res.json()).error.type).to.equal("shroud_error");
      expect((await fetch(`${world.shroud.url}/v1/chat/completions`)).status).to.equal(405);
    });
  });

  describe("who may call", () => {
    it("accepts agent_id:ocv_…, a bare ocv_ key and an agent JWT", async () => {
      expect((await callShroud(world, agent, "/v1/chat/completions", chat("hello"))).status).to.equal(200);
      expect((await callShroud(world, undefined, "/v1/chat/completions", chat("hello"), { "x-shroud-agent-key": agent.apiKey })).status).to.equal(200);
      const exchange = await world.server.request("POST", "/v1/auth/agent-token", { body: { api_key: agent.apiKey } });
      const jwt = exchange.body.access_token;
      expect((await callShroud(world, undefined, "/v1/chat/completions", chat("hello"), { authorization: `Bearer ${jwt}` })).status).to.equal(200);
    });

    it("refuses missing and malformed credentials with 401, other agents' keys, and agents without shroud_enabled with 403", async () => {
      const none = await callShroud(world, undefined, "/v1/chat/completions", chat("hi"));
      expect(none.status).to.equal(401);
      expect(none.body.error).to.include({ type: "shroud_error", message: "missing X-Shroud-Agent-Key header" });
      const malformed = await callShroud(world, undefined, "/v1/chat/completions", chat("hi"), { "x-shroud-agent-key": "a:b:c" });
      expect(malformed.status).to.equal(401);
      expect(malformed.body.error.message).to.equal("invalid agent key format: expected 'agent_id:api_key'");
      const wrongId = await callShroud(world, undefined, "/v1/chat/completions", chat("hi"),
        { "x-shroud-agent-key": `00000000-0000-4000-8000-000000000000:${agent.apiKey}` });
      expect(wrongId.status).to.equal(401);

      const plain = await shroudAgent(world, { shroud_enabled: false });
      const refused = await callShroud(world, plain, "/v1/chat/completions", chat("hi"));
      expect(refused.status).to.equal(403);
      expect(refused.body.error.type).to.equal("shroud_error");
      expect(world.fake.received).to.have.length(0);
    });

    it("answers the x402 rail with a 402 that offers no way to pay, and refuses an unknown router key with 401", async () => {
      const before = world.fake.received.length;
      const x402 = await callShroud(world, undefined, "/v1/chat/completions", chat("hi"), { authorization: "Bearer x402" });
      expect(x402.status).to.equal(402);
      expect(x402.body).to.deep.include({ x402Version: 1, accepts: [] });
      expect(x402.body.error).to.include({ type: "shroud_error", code: 402 });
      expect(x402.body.error.message).to.match(/^the x402 pay-per-use rail is not offered by this Shroud/);
      const router = await callShroud(world, undefined, "/v1/chat/completions", chat("hi"), { authorization: "Bearer sk-shroud-v1-abcdef0123456789" });
      expect(router.status).to.equal(401);
      expect(router.body.error).to.deep.include({ type: "shroud_error", message: "invalid or revoked router key" });
      expect(world.fake.received.length, "nothing sent upstream").to.equal(before);
    });
  });

  describe("secret redaction and provider keys", () => {
    it("never forwards a stored secret, and takes the provider key from the vault without showing it", async () => {
      const res = await callShroud(world, agent, "/v1/chat/completions",
        chat(`connect with password ${password} please`), { cookie: "session=abc", "x-forwarded-for": "203.0.113.9" });
      expect(res.status, res.text).to.equal(200);
      const [received] = world.fake.received;
      expect(received.body).not.to.include(password);
      expect(received.body).to.include(tagOf("app/db-password"));
      expect(received.headers.authorization).to.equal(`Bearer ${world.secrets["providers/openai/api-key"]}`);
      for (const header of ["x-shroud-agent-key", "x-shroud-api-key", "cookie", "x-forwarded-for"]) expect(received.headers).not.to.have.property(header);
      expect(res.text).not.to.include(world.secrets["providers/openai/api-key"]);
      expect(answerText(res.body)).to.include(tagOf("app/db-password"));
    });

    it("reads the provider key as the agent: audited like any read", async () => {
      await callShroud(world, agent, "/v1/messages", { model: "claude-sonnet-4-5", max_tokens: 50, messages: [{ role: "user", content: "hi" }] });
      expect(world.fake.received[0].headers["x-api-key"]).to.equal(world.secrets["providers/anthropic/api-key"]);
      // The read is in the log before the key was used; the audit read model follows it (reads do not wait for it).
      await world.server.server.runner.waitFor(await world.server.server.store.headPosition(), 10_000);
      const audit = await world.server.request("GET", `/v1/audit/events?action=secret.read&actor_id=${agent.id}`, { token: world.owner.accessToken });
      expect(audit.status).to.equal(200);
      expect(audit.body.events.map((e: any) => e.details.path)).to.include("providers/anthropic/api-key");
    });

    it("uses X-Shroud-Api-Key as given, or the vault:// secret it names, and never forwards the header", async () => {
      await callShroud(world, agent, "/v1/chat/completions", chat("hi"), { "x-shroud-api-key": "sk-caller-own-key-123" });
      expect(world.fake.received[0].headers.authorization).to.equal("Bearer sk-caller-own-key-123");
      await callShroud(world, agent, "/v1/chat/completions", chat("hi"), { "x-shroud-api-key": `vault://${world.vaultId}/app/stripe` });
      expect(world.fake.received[1].headers.authorization).to.equal(`Bearer ${world.secrets["app/stripe"]}`);
      expect(world.fake.received[1].headers).not.to.have.property("x-shroud-api-key");
      const bad = await callShroud(world, agent, "/v1/chat/completions", chat("hi"), { "x-shroud-api-key": "vault://nope" });
      expect(bad.status).to.equal(400);
    });

    it("answers 401 when there is no key anywhere", async () => {
      const keyless = await shroudAgent(world, { scopes: ["app/**"] });
      const res = await callShroud(world, keyless, "/v1/chat/completions", chat("hi"));
      expect(res.status).to.equal(401);
      expect(res.body.error.message).to.equal("no API key: vault lookup failed and no X-Shroud-Api-Key header");
    });

    it("redacts a secret the provider leaks back, in every provider's shape", async () => {
      world.fake.reply = () => `here it is: ${password}!`;
      const cases: Array<[string, unknown]> = [
        ["/v1/chat/completions", chat("what is the password?")],
        ["/v1/messages", { model: "claude-sonnet-4-5", max_tokens: 50, messages: [{ role: "user", content: "pw?" }] }],
        ["/v1/responses", { model: "gpt-4.1", input: "pw?" }],
        ["/v1beta/models/gemini-2.5-flash:generateContent", { contents: [{ role: "user", parts: [{ text: "pw?" }] }] }],
      ];
      for (const [path, body] of cases) {
        const res = await callShroud(world, agent, path, body);
        expect(res.status, `${path}: ${res.text}`).to.equal(200);
        expect(res.text, path).not.to.include(password);
        expect(answerText(res.body), path).to.equal(`here it is: ${tagOf("app/db-password")}!`);
      }
      expect(world.fake.received.at(-1)!.headers["x-goog-api-key"]).to.equal(world.secrets["providers/google/api-key"]);
    });

    it("catches a secret split across two SSE frames and across network reads, for each streaming shape", async () => {
      const text = `The password is ${password} and nothing else.`;
      const inside = text.indexOf(password) + 9;
      const cases: Array<[string, Record<string, unknown>]> = [
        ["/v1/chat/completions", chat("pw?", { stream: true })],
        ["/v1/messages", { model: "claude-sonnet-4-5", max_tokens: 50, stream: true, messages: [{ role: "user", content: "pw?" }] }],
        ["/v1/responses", { model: "gpt-4.1", input: "pw?", stream: true }],
        ["/v1beta/models/gemini-2.5-flash:streamGenerateContent", { contents: [{ role: "user", parts: [{ text: "pw?" }] }] }],
      ];
      for (const [path, body] of cases) {
        world.fake.reset();
        world.fake.reply = () => text;
        world.fake.deltaSplits = [5, inside, inside + 3];
        world.fake.byteSplits = [7, 150, 151, 400];
        const res = await callShroud(world, agent, path, body);
        expect(res.status, path).to.equal(200);
        expect(res.headers.get("content-type")).to.include("text/event-stream");
        expect(res.headers.get("x-shroud-stream-inspection")).to.equal("per-frame");
        expect(res.text, path).not.to.include(password);
        // No frame carries a piece of it either: the first half never leaves unredacted.
        expect(res.text, path).not.to.include(password.slice(0, 9));
        expect(streamedText(res.text), path).to.equal(`The password is ${tagOf("app/db-password")} and nothing else.`);
      }
    });

    it("asks OpenAI streams to report usage", async () => {
      world.fake.reply = () => "short answer";
      await callShroud(world, agent, "/v1/chat/completions", chat("count me", { stream: true }));
      expect(JSON.parse(world.fake.received[0].body).stream_options).to.deep.equal({ include_usage: true });
    });

    it("rebuilds the matcher from the event log when a readable secret changes, and only then", async () => {
      await callShroud(world, agent, "/v1/chat/completions", chat("warm up"));
      const builds = world.shroud.manifests.builds;
      await callShroud(world, agent, "/v1/chat/completions", chat("again"));
      expect(world.shroud.manifests.builds).to.equal(builds);

      const rotated = "rotated-Value-9876543210-xyz";
      await putSecret(world, "app/db-password", rotated);
      await putSecret(world, "app/new-token", "brand-new-token-value-55555");
      const res = await callShroud(world, agent, "/v1/chat/completions", chat(`old ${password} new ${rotated} token brand-new-token-value-55555`));
      expect(res.status).to.equal(200);
      const forwarded = world.fake.received.at(-1)!.body;
      expect(forwarded).not.to.include(rotated);
      expect(forwarded).not.to.include("brand-new-token-value-55555");
      expect(forwarded).to.include(tagOf("app/new-token"));
      // The old value is no longer a readable secret: it is ordinary text now.
      expect(forwarded).to.include(password);
      expect(world.shroud.manifests.builds).to.equal(builds + 1);
      await putSecret(world, "app/db-password", password);
    });
  });

  describe("nothing secret is kept", () => {
    it("no secret value or provider key in the logs, the event log or any read model", async () => {
      const values = Object.values(world.secrets);
      const logs = world.server.logs() + world.shroudLogs();
      for (const value of values) expect(logs, "logs").not.to.include(value);
      const events = (await storedEventTexts(world.server.server.store)).join("\n");
      for (const value of values) expect(events, "events").not.to.include(value);
      const { rows: tables } = await world.server.server.db.query<{ schema: string; name: string }>(
        `select table_schema as schema, table_name as name from information_schema.tables
          where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')`);
      for (const { schema, name } of tables) {
        const { rows } = await world.server.server.db.query<{ text: string }>(`select t::text as text from "${schema}"."${name}" t`);
        const text = rows.map((r) => r.text).join("\n");
        for (const value of values) expect(text, `${schema}.${name}`).not.to.include(value);
      }
    });
  });

  describe("the agent's Shroud settings", () => {
    it("are set and shown through the agent routes, with the seeds' older spellings, and refused with 400 when wrong", async () => {
      const created = await world.server.request("POST", "/v1/agents", { token: world.owner.accessToken, body: {
        name: "configured", shroud_enabled: true, shroud_config: { pii_policy: "block", injection_threshold: 0.8,
          command_injection_detection: { action: "warn", strictness: "strict" }, encoding_detection: { detect_unicode: false },
          sanitization_mode: "sanitize", unknown_field: 1 } } });
      expect(created.status, JSON.stringify(created.body)).to.equal(201);
      expect(created.body.agent.shroud_enabled).to.equal(true);
      expect(created.body.agent.shroud_config).to.deep.equal({ pii_policy: "block", injection_threshold: 0.8,
        command_injection_detection: { action: "warn", patterns: "strict" }, encoding_detection: { detect_unicode_escape: false },
        sanitization_mode: "surgical" });
      const id = created.body.agent.id;
      const patched = await world.server.request("PATCH", `/v1/agents/${id}`, { token: world.owner.accessToken,
        body: { shroud_enabled: false, shroud_config: null } });
      expect(patched.body).to.include({ shroud_enabled: false, shroud_config: null });
      for (const shroud_config of [{ pii_policy: "shout" }, { injection_threshold: 2 }, { max_requests_per_minute: -1 },
        { allowed_providers: "openai" }, { max_concurrent_streams: 0 }, "strict"]) {
        const res = await world.server.request("PATCH", `/v1/agents/${id}`, { token: world.owner.accessToken, body: { shroud_config } });
        expect(res.status, JSON.stringify(shroud_config)).to.equal(400);
      }
    });
  });
});
