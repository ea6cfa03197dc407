/**
 * Router keys (`sk-shroud-v1-…`) through the real proxy: a stock-SDK-shaped call reaches the provider as the
 * agent's call; revocation and Shroud being turned off take effect on the next call; the key's own stream
 * cap (429) and spend cap (403); router-rail bodies over 1 MB (413); and the key is never stored or logged.
 */
import { expect } from "chai";
import { storedEventTexts } from "../support/events.js";
import { callShroud, chat, shroudAgent, startShroudWorld, type ShroudWorld, type TestAgent } from "./support.js";

describe("Shroud router keys", function () {
  let world: ShroudWorld;
  const keys: string[] = [];

  before(async function () {
    this.timeout(300_000);
    // One token of gpt-4o-mini costs $0.10 here, so a spend cap is reached in a call.
    world = await startShroudWorld("shroud-router-keys", {
      SHROUD_PRICES: JSON.stringify({ "gpt-4o-mini": { input_per_mtok: 100_000, output_per_mtok: 100_000 } }),
    });
  });
  after(async () => {
    await world?.close();
  });
  beforeEach(() => world.fake.reset());

  const owner = () => world.owner.accessToken;

  async function mint(agent: TestAgent, body: Record<string, unknown> = {}): Promise<{ id: string; key: string }> {
    const res = await world.server.request("POST", `/v1/agents/${agent.id}/router-keys`, { token: owner(), body: { name: "sdk", ...body } });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    keys.push(res.body.key);
    return res.body;
  }

  /** A call as a stock OpenAI SDK makes it: its key as the bearer token, nothing Shroud-specific. */
  const sdkCall = (key: string, body: unknown) => callShroud(world, undefined, "/v1/chat/completions", body, { authorization: `Bearer ${key}` });

  it("takes a stock SDK's call as the agent's: provider key from the vault, the router key never forwarded", async () => {
    const agent = await shroudAgent(world);
    const { key } = await mint(agent);
    const res = await sdkCall(key, chat("hello from the sdk"));
    expect(res.status, res.text).to.equal(200);
    expect(world.fake.received).to.have.length(1);
    const [received] = world.fake.received;
    expect(received.headers.authorization).to.equal(`Bearer ${world.secrets["providers/openai/api-key"]}`);
    expect(JSON.stringify(received.headers)).to.not.include(key);
    expect(JSON.parse(received.body).messages[0].content).to.equal("hello from the sdk");

    const viaHeader = await callShroud(world, undefined, "/v1/chat/completions", chat("again"), { "x-shroud-agent-key": key });
    expect(viaHeader.status, viaHeader.text).to.equal(200);

    await world.server.server.runner.waitFor(await world.server.server.store.headPosition(), 10_000);
    const activity = await world.server.request("GET", `/v1/shroud/activity?agent_id=${agent.id}`, { token: owner() });
    expect(activity.body.total).to.equal(2);
    expect(activity.body.events[0]).to.include({ agent_id: agent.id, action: "allowed", provider: "openai" });
  });

  it("refuses a revoked key on the very next call, and an unknown one, with 401 in OpenAI's error shape", async () => {
    const agent = await shroudAgent(world);
    const { id, key } = await mint(agent);
    expect((await sdkCall(key, chat("before"))).status).to.equal(200);
    const revoked = await world.server.request("DELETE", `/v1/agents/${agent.id}/router-keys/${id}`, { token: owner() });
    expect(revoked.status).to.equal(204);
    const after = await sdkCall(key, chat("after"));
    expect(after.status).to.equal(401);
    expect(after.body).to.deep.equal({ error: { type: "shroud_error", message: "invalid or revoked router key", code: 401 } });
    const unknown = await sdkCall(`${key.slice(0, -4)}AAAA`, chat("guess"));
    expect(unknown.status).to.equal(401);
    expect(world.fake.received.map((r) => JSON.parse(r.body).messages[0].content)).to.deep.equal(["before"]);
  });

  it("refuses the key once its agent's Shroud is turned off (403), or the agent deactivated (401)", async () => {
    const agent = await shroudAgent(world);
    const { key } = await mint(agent);
    const patch = (body: unknown) => world.server.request("PATCH", `/v1/agents/${agent.id}`, { token: owner(), body });
    expect((await patch({ shroud_enabled: false })).status).to.equal(200);
    const off = await sdkCall(key, chat("hi"));
    expect(off.status).to.equal(403);
    expect(off.body.error.message).to.equal("agent is not enabled for Shroud (shroud_enabled is false)");
    expect((await patch({ shroud_enabled: true, is_active: false })).status).to.equal(200);
    expect((await sdkCall(key, chat("hi"))).status).to.equal(401);
    expect(world.fake.received).to.have.length(0);
  });

  it("caps the key's open streams with 429 and Retry-After: 1, beside the agent's own limit", async () => {
    const agent = await shroudAgent(world);
    const { key } = await mint(agent, { max_concurrent_streams: 1 });
    let release!: () => void;
    world.fake.hold = new Promise((resolve) => (release = resolve));
    const stream = (headers: Record<string, string>) => fetch(`${world.shroud.url}/v1/chat/completions`, { method: "POST",
      headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(chat("stream", { stream: true })) });
    const first = await stream({ authorization: `Bearer ${key}` });
    expect(first.status).to.equal(200);
    const second = await sdkCall(key, chat("another", { stream: true }));
    expect(second.status).to.equal(429);
    expect(second.headers.get("retry-after")).to.equal("1");
    expect(second.body.error).to.include({ type: "shroud_error", message: "max_concurrent_streams (1) exceeded for router key" });
    const byAgentKey = await stream({ "x-shroud-agent-key": `${agent.id}:${agent.apiKey}` });
    expect(byAgentKey.status, "the agent's own key is not held by the router key's cap").to.equal(200);
    release();
    expect(await first.text()).to.include("[DONE]");
    expect(await byAgentKey.text()).to.include("[DONE]");
    world.fake.hold = undefined;
    const third = await sdkCall(key, chat("after", { stream: true }));
    expect(third.status, third.text).to.equal(200);
  });

  it("stops at the key's spend cap with 403, by the price table", async () => {
    const agent = await shroudAgent(world);
    const capped = await mint(agent, { spend_cap_usd: 0.5 });
    const other = await mint(agent);
    world.fake.reply = () => "ok";
    expect((await sdkCall(capped.key, chat("spend"))).status).to.equal(200);
    const refused = await sdkCall(capped.key, chat("spend again"));
    expect(refused.status).to.equal(403);
    expect(refused.body.error).to.include({ type: "shroud_error", message: "router key spend cap of $0.50 reached" });
    expect(world.fake.received).to.have.length(1);
    expect((await sdkCall(other.key, chat("another key, no cap"))).status, "the cap is the key's, not the agent's").to.equal(200);
  });

  it("refuses router-rail bodies over 1 MB with 413", async () => {
    const agent = await shroudAgent(world);
    const { key } = await mint(agent);
    const big = await sdkCall(key, chat("x".repeat(1024 * 1024)));
    expect(big.status).to.equal(413);
    expect(big.body.error.type).to.equal("shroud_error");
    expect(world.fake.received).to.have.length(0);
  });

  it("never stores or logs a router key in clear", async () => {
    expect(keys.length).to.be.greaterThan(5);
    const events = (await storedEventTexts(world.server.server.store)).join("\n");
    const { rows } = await world.server.server.db.query<{ text: string }>("select t::text as text from router_keys t");
    const leaks = keys.filter((key) => events.includes(key) || rows.some((r) => r.text.includes(key))
      || world.shroudLogs().includes(key) || world.server.logs().includes(key));
    expect(leaks).to.deep.equal([]);
  });
});
