/**
 * A Shroud beside a real test server (attached to its stores, on its clock), a fake provider on loopback,
 * and an organisation with a vault, secrets, provider keys and a Shroud agent.
 */
import { expect } from "chai";
import { createHash } from "node:crypto";
import { Writable } from "node:stream";
import { createLogger } from "../../src/log.js";
import { loadShroudConfig } from "../../src/shroud/config.js";
import { startShroud, type RunningShroud } from "../../src/shroud/server.js";
import { startFakeLlm, type FakeLlm } from "../support/fake-llm.js";
import { createUser, type TestUser } from "../support/identity.js";
import { startTestServer, type TestServer } from "../support/server.js";

export interface ShroudWorld {
  server: TestServer;
  shroud: RunningShroud;
  fake: FakeLlm;
  owner: TestUser;
  vaultId: string;
  /** Every secret value stored (and provider key); none may reach the fake, a client, a log, an event or a read model. */
  secrets: Record<string, string>;
  shroudLogs(): string;
  close(): Promise<void>;
}

export const tagOf = (path: string) => `[REDACTED:#${createHash("sha256").update(path).digest("hex").slice(0, 8)}]`;

export async function startShroudWorld(label: string, env: Record<string, string> = {}): Promise<ShroudWorld> {
  const server = await startTestServer(label);
  const fake = await startFakeLlm();
  let logs = "";
  const sink = new Writable({ write(chunk, _e, done) { logs += chunk; done(); } });
  const shroud = await startShroud(server.config, loadShroudConfig({
    SHROUD_PORT: "0", SHROUD_HOST: "127.0.0.1", SHROUD_OPENAI_BASE_URL: fake.url, SHROUD_ANTHROPIC_BASE_URL: fake.url,
    SHROUD_GOOGLE_BASE_URL: fake.url, ...env,
  }), createLogger({ level: "debug", destination: sink }), { clock: server.clock.now, attach: server.server });
  const owner = await createUser(server);
  const vault = await server.request("POST", "/v1/vaults", { token: owner.accessToken, body: { name: "llm" } });
  expect(vault.status, JSON.stringify(vault.body)).to.equal(201);
  const world: ShroudWorld = {
    server, shroud, fake, owner, vaultId: vault.body.id, secrets: {},
    shroudLogs: () => logs,
    async close() {
      await shroud.close();
      await fake.close();
      await server.close();
    },
  };
  for (const [path, value] of Object.entries({
    "app/db-password": "pg-S3cret-Value-0123456789",
    "app/stripe": "sk_live_51HxQpLmNoPqRsTuVwXyZ0123",
    "providers/openai/api-key": "sk-fake-openai-key-aaaaaaaaaaaaaaaa",
    "providers/anthropic/api-key": "sk-ant-fake-key-bbbbbbbbbbbbbbbbbbbb",
    "providers/google/api-key": "AIzaFakeGoogleKeyCcccccccccccccccccc",
  })) await putSecret(world, path, value);
  return world;
}

export async function putSecret(world: ShroudWorld, path: string, value: string): Promise<void> {
  const res = await world.server.request("PUT", `/v1/vaults/${world.vaultId}/secrets/${path}`,
    { token: world.owner.accessToken, body: { value, type: "api_key" } });
  expect(res.status, JSON.stringify(res.body)).to.equal(201);
  world.secrets[path] = value;
}

export interface TestAgent {
  id: string;
  apiKey: string;
}

/** An agent with read on every path of the vault, Shroud on (unless said otherwise) with the given config. */
export async function shroudAgent(world: ShroudWorld, fields: Record<string, unknown> = {}): Promise<TestAgent> {
  const { server, owner } = world;
  const res = await server.request("POST", "/v1/agents", { token: owner.accessToken,
    body: { name: "llm-bot", shroud_enabled: true, vault_ids: [world.vaultId], ...fields } });
  expect(res.status, JSON.stringify(res.body)).to.equal(201);
  const policy = await server.request("POST", `/v1/vaults/${world.vaultId}/policies`, { token: owner.accessToken,
    body: { secret_path_pattern: "**", principal_type: "agent", principal_id: res.body.agent.id, permissions: ["read"] } });
  expect(policy.status, JSON.stringify(policy.body)).to.equal(201);
  return { id: res.body.agent.id, apiKey: res.body.api_key };
}

export interface ShroudReply {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

/** A call to Shroud as the agent (X-Shroud-Agent-Key `agent_id:ocv_…` unless other headers are given). */
export async function callShroud(world: ShroudWorld, agent: TestAgent | undefined, path: string, body: unknown,
  headers: Record<string, string> = {}): Promise<ShroudReply> {
  const response = await fetch(`${world.shroud.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(agent && { "x-shroud-agent-key": `${agent.id}:${agent.apiKey}` }), ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown;
  try { parsed = JSON.parse(text); } catch { parsed = undefined; }
  return { status: response.status, headers: response.headers, text, body: parsed };
}

export const chat = (content: string, extra: Record<string, unknown> = {}) =>
  ({ model: "gpt-4o-mini", messages: [{ role: "user", content }], ...extra });
