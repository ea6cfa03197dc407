/**
 * `keyledger shroud` as its own process (the bin, compiled), beside the API server on the same stores: it
 * starts on its own port, proxies with redaction and the vault's provider key, learns of a secret written
 * through the API from the shared event log, and stops on SIGTERM; a router key revoked through the API is
 * refused on the next call, and its spend cap holds across two Shroud processes. On the embedded store (one
 * process only) it refuses to start, saying why.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Config } from "../../src/config.js";
import { postgresServerUrl } from "../support/databases.js";
import { freePort, KEYLEDGER_BIN } from "../support/child-server.js";
import { answerText, startFakeLlm, type FakeLlm } from "../support/fake-llm.js";
import { createUser } from "../support/identity.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { tagOf } from "./support.js";

/** The environment that names the server's stores, for another process. */
function storeEnvironment(config: Config): Record<string, string> {
  const env: Record<string, string> = { KEYLEDGER_DATA_DIR: config.dataDir, DATABASE_URL: config.databaseUrl ?? "" };
  const keys = config.keyProvider;
  if (keys.kind === "pkcs11") {
    Object.assign(env, { KEY_PROVIDER: "pkcs11", PKCS11_MODULE: keys.module, PKCS11_PIN: keys.pin, PKCS11_TOKEN_LABEL: keys.tokenLabel },
      keys.slot !== undefined ? { PKCS11_SLOT: String(keys.slot) } : {});
  } else env.KEY_PROVIDER = "local";
  return env;
}

function run(env: Record<string, string>) {
  const child = spawn(process.execPath, [KEYLEDGER_BIN, "shroud"], {
    env: { ...process.env, ...env, LOG_LEVEL: "info" }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, exited, output: () => output };
}

/** A Shroud process on a free port, once it answers its health check. */
async function startShroudProcess(env: Record<string, string>) {
  const port = await freePort();
  const shroud = run({ ...env, SHROUD_PORT: String(port), SHROUD_HOST: "127.0.0.1" });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (!(await fetch(`${url}/healthz`).then((r) => r.ok, () => false))) {
    if (shroud.child.exitCode !== null || Date.now() > deadline) {
      if (shroud.child.exitCode === null) shroud.child.kill("SIGKILL");
      throw new Error(`shroud did not start:\n${shroud.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { ...shroud, url };
}

describe("keyledger shroud (the process)", function () {
  it("refuses the embedded store, which admits one process, with exit code 2", async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), "keyledger-shroud-"));
    try {
      const { exited, output } = run({ KEYLEDGER_DATA_DIR: dataDir, DATABASE_URL: "", KEY_PROVIDER: "local", PKCS11_MODULE: "" });
      expect(await exited).to.equal(2);
      expect(output()).to.include("DATABASE_URL: keyledger shroud shares the API server's stores");
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  describe("on PostgreSQL", function () {
    let server: TestServer;
    let fake: FakeLlm;

    before(async function () {
      this.timeout(300_000);
      // The embedded run has no shared store to put a second process on; the real-parts run covers this.
      if (!postgresServerUrl) this.skip();
      server = await startTestServer("shroud-process");
      fake = await startFakeLlm();
    });
    after(async () => {
      await fake?.close();
      await server?.close();
    });

    it("proxies on its own port with redaction and the vault's provider key, and stops on SIGTERM", async () => {
      const owner = await createUser(server);
      const token = owner.accessToken;
      const vault = await server.request("POST", "/v1/vaults", { token, body: { name: "llm" } });
      const put = (p: string, value: string) => server.request("PUT", `/v1/vaults/${vault.body.id}/secrets/${p}`, { token, body: { value } });
      expect((await put("providers/openai/api-key", "sk-process-provider-key-123456")).status).to.equal(201);
      const created = await server.request("POST", "/v1/agents", { token, body: { name: "bot", shroud_enabled: true, vault_ids: [vault.body.id] } });
      const agent = { id: created.body.agent.id as string, key: created.body.api_key as string };
      await server.request("POST", `/v1/vaults/${vault.body.id}/policies`, { token,
        body: { secret_path_pattern: "**", principal_type: "agent", principal_id: agent.id, permissions: ["read"] } });

      const shroud = await startShroudProcess({ ...storeEnvironment(server.config), SHROUD_OPENAI_BASE_URL: fake.url });
      const { url } = shroud;
      try {
        const ask = async (content: string) => {
          const res = await fetch(`${url}/v1/chat/completions`, { method: "POST",
            headers: { "content-type": "application/json", "x-shroud-agent-key": `${agent.id}:${agent.key}` },
            body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content }] }) });
          return { status: res.status, text: await res.text() };
        };
        expect((await ask("warm up")).status).to.equal(200);
        // Written through the API after the proxy built its manifest: it hears of it from the shared log.
        expect((await put("app/token", "process-secret-value-777")).status).to.equal(201);
        const res = await ask("the token is process-secret-value-777");
        expect(res.status, res.text).to.equal(200);
        expect(fake.received.at(-1)!.body).not.to.include("process-secret-value-777");
        expect(fake.received.at(-1)!.headers.authorization).to.equal("Bearer sk-process-provider-key-123456");
        expect(answerText(JSON.parse(res.text))).to.include(tagOf("app/token"));
        expect(res.text).not.to.include("sk-process-provider-key-123456");

        shroud.child.kill("SIGTERM");
        expect(await shroud.exited).to.equal(0);
        for (const value of ["process-secret-value-777", "sk-process-provider-key-123456"]) expect(shroud.output()).not.to.include(value);
        expect(shroud.output()).to.include("shroud listening on");
      } finally {
        if (shroud.child.exitCode === null) shroud.child.kill("SIGKILL");
      }
    });

    it("refuses a router key revoked through the API on the next call, and holds its spend cap across two processes", async () => {
      const owner = await createUser(server);
      const token = owner.accessToken;
      const vault = await server.request("POST", "/v1/vaults", { token, body: { name: "llm" } });
      await server.request("PUT", `/v1/vaults/${vault.body.id}/secrets/providers/openai/api-key`, { token, body: { value: "sk-process-provider-key-654321" } });
      const created = await server.request("POST", "/v1/agents", { token, body: { name: "bot", shroud_enabled: true, vault_ids: [vault.body.id] } });
      const agentId = created.body.agent.id as string;
      await server.request("POST", `/v1/vaults/${vault.body.id}/policies`, { token,
        body: { secret_path_pattern: "**", principal_type: "agent", principal_id: agentId, permissions: ["read"] } });
      const mint = async (body: Record<string, unknown>) => {
        const res = await server.request("POST", `/v1/agents/${agentId}/router-keys`, { token, body: { name: "sdk", ...body } });
        expect(res.status, JSON.stringify(res.body)).to.equal(201);
        return res.body as { id: string; key: string };
      };
      const revocable = await mint({});
      const capped = await mint({ spend_cap_usd: 0.5 });

      // One token of gpt-4o-mini costs $0.10 here: the capped key's first call spends its cap.
      const env = { ...storeEnvironment(server.config), SHROUD_OPENAI_BASE_URL: fake.url,
        SHROUD_PRICES: JSON.stringify({ "gpt-4o-mini": { input_per_mtok: 100_000, output_per_mtok: 100_000 } }) };
      const first = await startShroudProcess(env);
      const second = await startShroudProcess(env).catch(async (error) => {
        first.child.kill("SIGKILL");
        throw error;
      });
      try {
        const ask = async (url: string, key: string) => {
          const res = await fetch(`${url}/v1/chat/completions`, { method: "POST",
            headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
            body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }) });
          return { status: res.status, body: await res.json() as { error?: { message: string } } };
        };
        expect((await ask(first.url, revocable.key)).status).to.equal(200);
        const revoked = await server.request("DELETE", `/v1/agents/${agentId}/router-keys/${revocable.id}`, { token });
        expect(revoked.status).to.equal(204);
        const refused = await ask(first.url, revocable.key);
        expect(refused.status).to.equal(401);
        expect(refused.body.error?.message).to.equal("invalid or revoked router key");

        expect((await ask(first.url, capped.key)).status).to.equal(200);
        const overCap = await ask(second.url, capped.key);
        expect(overCap.status).to.equal(403);
        expect(overCap.body.error?.message).to.equal("router key spend cap of $0.50 reached");
        for (const shroudProcess of [first, second]) {
          for (const key of [revocable.key, capped.key]) expect(shroudProcess.output()).not.to.include(key);
        }
      } finally {
        for (const shroudProcess of [first, second]) if (shroudProcess.child.exitCode === null) shroudProcess.child.kill("SIGKILL");
      }
    });
  });
});
