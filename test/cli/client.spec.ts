/**
 * The `keyledger` client commands as a person runs them: the built bin in a child process with its own HOME
 * and config directory, against a real server on a free port. Every command's `--json` output is parsed;
 * no secret value may appear in the config file, in any output but `secret get`'s, or in the server's log.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createUser, type TestUser } from "../support/identity.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { codeFor } from "../humans/totp-helper.js";
import { version } from "../../src/version.js";

const bin = new URL("../../bin/keyledger.js", import.meta.url).pathname;

interface Run { code: number | null; stdout: string; stderr: string }

/** A person's machine: a home, a config directory and a project directory of its own. */
class Machine {
  /** Everything every command printed, but `secret get`'s output (which is the value by design). */
  readonly printed: string[] = [];
  private constructor(readonly home: string, readonly project: string) {}

  static async create(): Promise<Machine> {
    const home = await mkdtemp(path.join(tmpdir(), "keyledger-cli-home-"));
    const project = path.join(home, "project");
    await import("node:fs/promises").then((fs) => fs.mkdir(project));
    return new Machine(home, project);
  }

  get configFile(): string { return path.join(this.home, "xdg", "keyledger", "config.json"); }

  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: this.home, XDG_CONFIG_HOME: path.join(this.home, "xdg"), ...extra };
    return env;
  }

  start(args: string[], options: { input?: string; env?: Record<string, string> } = {}) {
    const child = spawn(process.execPath, [bin, ...args], { cwd: this.project, env: this.env(options.env) });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.stdin.end(options.input ?? "");
    const done = new Promise<Run>((resolve) => child.on("close", (code) => {
      if (args[0] !== "secret" || args[1] !== "get") this.printed.push(stdout, stderr);
      resolve({ code, stdout, stderr });
    }));
    return { child, done, output: () => stdout + stderr };
  }

  run(args: string[], options: { input?: string; env?: Record<string, string> } = {}): Promise<Run> {
    return this.start(args, options).done;
  }

  /** Runs with --json, expects success, answers the parsed stdout. */
  async json(args: string[], options: { input?: string; env?: Record<string, string> } = {}): Promise<any> {
    const result = await this.run([...args, "--json"], options);
    expect(result.code, `keyledger ${args.join(" ")}: ${result.stderr}`).to.equal(0);
    return JSON.parse(result.stdout);
  }

  dispose(): Promise<void> {
    return rm(this.home, { recursive: true, force: true });
  }
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

describe("keyledger client commands (the built bin against a real server)", function () {
  this.timeout(120_000);
  let server: TestServer;
  let human: TestUser;
  let machine: Machine;
  /** Every secret value the tests store. */
  const values: string[] = [];
  const value = (label: string) => { const v = `${label}-${randomUUID()}`; values.push(v); return v; };

  before(async () => {
    server = await startTestServer("cli-client");
    human = await createUser(server);
    machine = await Machine.create();
  });
  after(async () => {
    await machine?.dispose();
    await server?.close();
  });

  describe("login", () => {
    it("signs in with email and password read from stdin, into a 0600 config file without the password", async () => {
      const login = await machine.json(["login", "--email", human.email, "--api-url", server.url], { input: `${human.password}\n` });
      expect(login).to.include({ email: human.email, user_id: human.userId, method: "password" });
      expect((await stat(machine.configFile)).mode & 0o777).to.equal(0o600);
      const config = JSON.parse(await readFile(machine.configFile, "utf8"));
      expect(config.apiUrl).to.equal(server.url);
      expect(config.auth.token).to.be.a("string");
      expect(JSON.stringify(config)).not.to.include(human.password);
      expect(await machine.json(["whoami"])).to.include({ email: human.email, user_id: human.userId, credential: "config" });
    });

    it("asks for the code when MFA is on", async () => {
      const mfaUser = await createUser(server);
      const setup = await server.request("POST", "/v1/auth/mfa/setup", { token: mfaUser.accessToken });
      await server.request("POST", "/v1/auth/mfa/verify-setup", { token: mfaUser.accessToken, body: { code: codeFor(setup.body.secret, server.clock.now()) } });
      const other = await Machine.create();
      try {
        const wrong = await other.run(["login", "--email", mfaUser.email, "--api-url", server.url], { input: `${mfaUser.password}\n000000\n` });
        expect(wrong.code).to.equal(4);
        expect(wrong.stderr).to.match(/^keyledger: API error \(401\): /m);
        const login = await other.json(["login", "--email", mfaUser.email, "--api-url", server.url],
          { input: `${mfaUser.password}\n${codeFor(setup.body.secret, server.clock.now(), 1)}\n` });
        expect(login).to.include({ email: mfaUser.email, user_id: mfaUser.userId });
        expect(await other.json(["whoami"])).to.include({ email: mfaUser.email });
      } finally {
        await other.dispose();
      }
    });

    it("signs in by device flow once a signed-in human approves the code through the API", async () => {
      const device = await Machine.create();
      try {
        const login = device.start(["login", "--api-url", server.url, "--json"]);
        const userCode = await new Promise<string>((resolve, reject) => {
          const timer = setInterval(() => {
            const match = /\b([B-DF-HJ-NP-TV-XZ]{4}-[B-DF-HJ-NP-TV-XZ]{4})\b/.exec(login.output());
            if (match) { clearInterval(timer); resolve(match[1]); }
          }, 50);
          login.done.then((r) => { clearInterval(timer); reject(new Error(`login ended first: ${r.stderr}`)); });
        });
        const approve = await server.request("POST", "/v1/auth/device/approve", { token: human.accessToken, body: { user_code: userCode } });
        expect(approve.status).to.equal(200);
        const result = await login.done;
        expect(result.code, result.stderr).to.equal(0);
        expect(JSON.parse(result.stdout)).to.include({ email: human.email, method: "device", user_id: human.userId });
        expect(await device.json(["whoami"])).to.include({ email: human.email });
      } finally {
        await device.dispose();
      }
    });
  });

  describe("with a vault", () => {
    let vaultId: string;

    before(async () => {
      const vault = await machine.json(["vault", "create", "cli-app", "-d", "the app"]);
      vaultId = vault.id;
      expect((await machine.json(["vault", "link", vaultId])).vault_id).to.equal(vaultId);
    });

    it("vault list, get, link and unlink", async () => {
      expect((await machine.json(["vault", "list"])).map((v: { id: string }) => v.id)).to.include(vaultId);
      expect(await machine.json(["vault", "get", vaultId])).to.include({ id: vaultId, name: "cli-app", description: "the app" });
      const quiet = await machine.run(["vault", "create", "scratch", "--quiet"]);
      const scratch = quiet.stdout.trim();
      expect(scratch).to.match(/^[0-9a-f-]{36}$/);
      expect((await machine.run(["vault", "delete", scratch])).code).to.equal(2);
      expect(await machine.json(["vault", "delete", scratch, "--yes"])).to.deep.equal({ deleted: scratch });
      expect((await machine.run(["vault", "get", scratch])).code).to.equal(3);
      expect((await machine.json(["vault", "unlink"])).vault_id).to.equal(vaultId);
      expect((await machine.run(["secret", "list"])).code).to.equal(2);
      await machine.json(["vault", "link", vaultId]);
    });

    it("secret set (argument, --file, stdin), get, --quiet, --version, describe, versions, rotate, delete, restore, list", async () => {
      const first = value("stripe");
      const second = value("stripe2");
      const fromFile = value("file");
      const fromStdin = value("stdin");
      expect(await machine.json(["secret", "set", "api-keys/stripe", first])).to.include({ path: "api-keys/stripe", version: 1 });
      await writeFile(path.join(machine.project, "value.txt"), fromFile);
      expect((await machine.json(["secret", "set", "db/password", "--file", "value.txt", "--type", "password"])).type).to.equal("password");
      await machine.json(["secret", "set", "misc/stdin"], { input: `${fromStdin}\n` });
      await machine.json(["secret", "rotate", "api-keys/stripe", second]);

      expect((await machine.json(["secret", "get", "api-keys/stripe"])).value).to.equal(second);
      expect((await machine.run(["secret", "get", "api-keys/stripe", "--quiet"])).stdout).to.equal(`${second}\n`);
      expect((await machine.run(["secret", "get", "api-keys/stripe", "--version", "1", "--quiet"])).stdout).to.equal(`${first}\n`);
      expect((await machine.run(["secret", "get", "misc/stdin", "--quiet"])).stdout).to.equal(`${fromStdin}\n`);
      expect((await machine.run(["secret", "get", "db/password", "-q"])).stdout).to.equal(`${fromFile}\n`);

      const described = await machine.json(["secret", "describe", "api-keys/stripe"]);
      expect(described).to.include({ path: "api-keys/stripe", version: 2, secret_type: "api_key" });
      expect(described).not.to.have.property("value");
      expect((await machine.json(["secret", "versions", "api-keys/stripe"])).map((v: { version: number }) => v.version)).to.have.members([1, 2]);
      expect((await machine.json(["secret", "rotate", "misc/stdin", "--generate", "--length", "40"])).version).to.equal(2);
      const listed = await machine.json(["secret", "list"]);
      expect(listed.map((s: { path: string }) => s.path)).to.include.members(["api-keys/stripe", "db/password", "misc/stdin"]);
      expect((await machine.json(["secret", "list", "--prefix", "db/"])).map((s: { path: string }) => s.path)).to.deep.equal(["db/password"]);

      expect(await machine.json(["secret", "delete", "misc/stdin", "--yes"])).to.include({ deleted: "misc/stdin" });
      expect((await machine.run(["secret", "get", "misc/stdin"])).code).to.equal(3);
      expect((await machine.json(["secret", "restore", "misc/stdin"])).path).to.equal("misc/stdin");
      expect((await machine.run(["secret", "get", "nothing/here"])).code).to.equal(3);
      expect((await machine.run(["secret", "get", "api-keys/stripe", "--version", "zero"])).code).to.equal(2);
    });

    it("env push stores an env_bundle; env pull writes dotenv, json and shell, -o with mode 0600", async () => {
      const dbUrl = value("postgres://app");
      await writeFile(path.join(machine.project, ".env"), `# app\nDATABASE_URL=${dbUrl}\nMODE="quoted mode"\n`);
      expect(await machine.json(["env", "push", ".env"])).to.include({ path: "config/env", type: "env_bundle" });
      const pulled = await machine.run(["env", "pull", "-f", "json", "-o", "pulled.json"]);
      expect(pulled.code, pulled.stderr).to.equal(0);
      expect((await stat(path.join(machine.project, "pulled.json"))).mode & 0o777).to.equal(0o600);
      const variables = JSON.parse(await readFile(path.join(machine.project, "pulled.json"), "utf8"));
      expect(variables).to.include({ DATABASE_URL: dbUrl, MODE: "quoted mode", API_KEYS_STRIPE: values[1], DB_PASSWORD: values[2] });
      await machine.run(["env", "pull", "-o", "pulled.env"]);
      expect(await readFile(path.join(machine.project, "pulled.env"), "utf8")).to.include(`DATABASE_URL=${dbUrl}\n`);
      await machine.run(["env", "pull", "--format", "shell", "-o", "pulled.sh", "--env-bundle", "config/env"]);
      expect(await readFile(path.join(machine.project, "pulled.sh"), "utf8")).to.equal(`export DATABASE_URL='${dbUrl}'\nexport MODE='quoted mode'\n`);
    });

    it("run starts the command with the secrets, passes stdio, and returns its exit code", async () => {
      const script = "const v = process.env[process.argv[1]] ?? ''; process.stdout.write(require('crypto').createHash('sha256').update(v).digest('hex')); process.exit(Number(process.argv[2]))";
      const injected = await machine.run(["run", "--", process.execPath, "-e", script, "API_KEYS_STRIPE", "7"]);
      expect(injected.code, injected.stderr).to.equal(7);
      expect(injected.stdout).to.equal(sha256(values[1]));
      const bundle = await machine.run(["run", "--env-bundle", "config/env", "--", process.execPath, "-e", script, "MODE", "0"]);
      expect(bundle.code, bundle.stderr).to.equal(0);
      expect(bundle.stdout).to.equal(sha256("quoted mode"));
      const only = await machine.run(["run", "--only", "DB_PASSWORD", "--", process.execPath, "-e", script, "API_KEYS_STRIPE", "0"]);
      expect(only.stdout).to.equal(sha256(""));
      expect((await machine.run(["run", "--only", "NOPE", "--", "true"])).code).to.equal(3);
      expect((await machine.run(["run", "--", "definitely-not-a-command-4711"])).code).to.equal(127);
      const reads = await machine.json(["audit", "list", "--vault", vaultId, "--action", "secret.read", "--limit", "100"]);
      expect(reads.length).to.be.greaterThan(3);
    });

    it("run passes a signal on to the command and answers the command's exit code", async () => {
      const script = "process.on('SIGTERM', () => process.exit(42)); process.stdout.write('ready'); setInterval(() => {}, 1000)";
      const running = machine.start(["run", "--", process.execPath, "-e", script]);
      await new Promise<void>((resolve, reject) => {
        const timer = setInterval(() => { if (running.output().includes("ready")) { clearInterval(timer); resolve(); } }, 50);
        running.done.then((r) => { clearInterval(timer); reject(new Error(`run ended first: ${r.stderr}`)); });
      });
      running.child.kill("SIGTERM");
      expect((await running.done).code).to.equal(42);
    });

    it("agent create, list, get, update, token, rotate-key, delete", async () => {
      const created = await machine.json(["agent", "create", "ci-bot", "--vault-ids", vaultId, "--scopes", "vault.read"]);
      const agentId = created.agent.id;
      expect(created.api_key).to.match(/^ocv_/);
      const human = await machine.run(["agent", "create", "shown-once"]);
      expect(human.stderr).to.include("only time the key is shown");
      expect(human.stdout.trim()).to.match(/^ocv_/);
      expect((await machine.json(["agent", "list"])).map((a: { id: string }) => a.id)).to.include(agentId);
      expect(await machine.json(["agent", "get", agentId])).to.include({ id: agentId, name: "ci-bot" });
      expect((await machine.json(["agent", "update", agentId, "--description", "builds"])).description).to.equal("builds");
      const token = await machine.json(["agent", "token", agentId]);
      expect(token).to.include({ agent_id: agentId, token_type: "Bearer" });
      expect((await machine.run(["agent", "token", agentId, "--quiet"])).stdout.trim().split(".")).to.have.length(3);
      expect((await machine.json(["agent", "rotate-key", agentId])).api_key).to.match(/^ocv_/);
      expect(await machine.json(["agent", "delete", agentId, "--yes"])).to.deep.equal({ deleted: agentId });
      expect((await machine.run(["agent", "get", agentId])).code).to.equal(3);
    });

    it("policy create, list, update, delete", async () => {
      const agent = await machine.json(["agent", "create", "reader"]);
      const policy = await machine.json(["policy", "create", "--principal-type", "agent", "--principal-id", agent.agent.id,
        "--path", "api-keys/*", "--permissions", "read"]);
      expect(policy).to.include({ secret_path_pattern: "api-keys/*", principal_id: agent.agent.id });
      expect((await machine.json(["policy", "list"])).map((p: { id: string }) => p.id)).to.include(policy.id);
      expect((await machine.json(["policy", "update", policy.id, "--permissions", "read,write"])).permissions).to.have.members(["read", "write"]);
      expect(await machine.json(["policy", "delete", policy.id, "--yes"])).to.deep.equal({ deleted: policy.id });
      expect((await machine.run(["policy", "create", "--principal-type", "robot", "--principal-id", agent.agent.id])).code).to.equal(2);
    });

    it("share create, list, accept, decline, revoke", async () => {
      const friend = await createUser(server);
      const friendMachine = await Machine.create();
      try {
        await friendMachine.run(["login", "--email", friend.email, "--api-url", server.url], { input: `${friend.password}\n` });
        const secret = await machine.json(["secret", "describe", "api-keys/stripe"]);
        const toFriend = await machine.json(["share", "create", secret.id, "--to", `user:${friend.userId}`, "--expires", "2h", "--max-access", "3"]);
        expect(toFriend).to.include({ secret_id: secret.id, recipient_id: friend.userId, max_access_count: 3 });
        const declined = await machine.json(["share", "create", secret.id, "--to", `user:${friend.userId}`]);
        const link = await machine.json(["share", "create", secret.id, "--link", "--passphrase", "open sesame"]);
        expect(link.share_url).to.include(link.id);
        expect((await machine.json(["share", "list"])).map((s: { id: string }) => s.id)).to.include.members([toFriend.id, link.id]);
        expect((await friendMachine.json(["share", "list", "--inbound"])).map((s: { id: string }) => s.id)).to.include.members([toFriend.id, declined.id]);
        expect(await friendMachine.json(["share", "accept", toFriend.id])).to.deep.equal({ id: toFriend.id, status: "accepted" });
        expect(await friendMachine.json(["share", "decline", declined.id])).to.deep.equal({ id: declined.id, status: "declined" });
        expect(await machine.json(["share", "revoke", link.id])).to.deep.equal({ id: link.id, status: "revoked" });
        expect((await friendMachine.run(["share", "revoke", toFriend.id])).code).to.equal(4);
      } finally {
        await friendMachine.dispose();
      }
    });

    it("audit list and verify", async () => {
      const entries = await machine.json(["audit", "list", "--limit", "5"]);
      expect(entries).to.be.an("array").with.length(5);
      expect(entries[0]).to.have.keys(["id", "action", "actor_id", "actor_type", "resource_type", "resource_id", "org_id",
        "details", "ip_address", "user_agent", "created_at", "hash", "prev_hash"]);
      // The CLI's own HTTP path (node:http, not fetch) names itself.
      expect(entries.map((e: { user_agent: string | null }) => e.user_agent)).to.include(`keyledger-cli/${version}`);
      const verified = await machine.json(["audit", "verify"]);
      expect(verified.chain_valid).to.equal(true);
    });

    it("config set, get and list; KEYLEDGER_* and ONECLAW_* override it", async () => {
      expect(await machine.json(["config", "set", "default-vault", vaultId])).to.deep.equal({ "default-vault": vaultId });
      expect(await machine.json(["config", "get", "api-url"])).to.deep.equal({ "api-url": server.url });
      expect(await machine.json(["config", "list"])).to.include({ "default-vault": vaultId, "logged-in": true });
      expect((await machine.run(["config", "set", "output-format", "yaml"])).code).to.equal(2);
      expect((await machine.run(["config", "get", "colour"])).code).to.equal(2);
      const viaEnv = await machine.run(["whoami", "--json"], { env: { ONECLAW_API_URL: "http://127.0.0.1:9" } });
      expect(viaEnv.code).to.equal(5);
      const token = JSON.parse(await readFile(machine.configFile, "utf8")).auth.token;
      const bare = await Machine.create();
      try {
        expect((await bare.run(["whoami"])).code).to.equal(2);
        expect(await bare.json(["whoami", "--api-url", server.url], { env: { KEYLEDGER_TOKEN: token } })).to.include({ credential: "KEYLEDGER_TOKEN" });
        const listed = await bare.json(["secret", "list", "--api-url", server.url], { env: { ONECLAW_TOKEN: token, ONECLAW_VAULT_ID: vaultId } });
        expect(listed.length).to.be.greaterThan(0);
      } finally {
        await bare.dispose();
      }
    });
  });

    describe("afterwards", () => {
    it("runs the compiled code: --version is the package's, --help groups client apart from operator commands", async () => {
      const pkg = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8"));
      expect((await machine.run(["--version"])).stdout.trim()).to.equal(pkg.version);
      expect(await readFile(bin, "utf8")).to.include("../dist/src/cli/main.js");
      const help = (await machine.run(["--help"])).stdout;
      expect(help.indexOf("Client commands")).to.be.within(0, help.indexOf("Operator commands"));
      for (const command of ["login", "secret", "run", "agent", "policy", "share", "audit", "config", "serve", "replay"]) {
        expect(help).to.match(new RegExp(`^  ${command}\\b`, "m"));
      }
    });

    it("answers usage errors with 2, and prints one line on stderr", async () => {
      const unknown = await machine.run(["secret", "frobnicate"]);
      expect(unknown.code).to.equal(2);
      const noCommand = await machine.run(["run"]);
      expect(noCommand.code).to.equal(2);
    });

    it("logout revokes the token on the server; then commands are denied (4) or need a login (2)", async () => {
      const token = JSON.parse(await readFile(machine.configFile, "utf8")).auth.token;
      expect(await machine.json(["logout"])).to.deep.equal({ logged_out: true });
      expect((await server.request("GET", "/v1/auth/me", { token })).status).to.equal(401);
      expect(JSON.parse(await readFile(machine.configFile, "utf8"))).not.to.have.property("auth");
      expect((await machine.run(["vault", "list"])).code).to.equal(2);
      const revoked = await machine.run(["vault", "list"], { env: { KEYLEDGER_TOKEN: token } });
      expect(revoked.code).to.equal(4);
      expect(revoked.stderr.trim().split("\n")).to.have.length(1);
    });

    it("never shows a value outside `secret get`: not in other output, the config file or the server's log", async () => {
      expect(values.length).to.be.greaterThan(4);
      const printed = machine.printed.join("\n");
      const config = await readFile(machine.configFile, "utf8");
      const logs = server.logs();
      for (const secret of values) {
        expect(printed, "CLI output").not.to.include(secret);
        expect(config, "config file").not.to.include(secret);
        expect(logs, "server log").not.to.include(secret);
      }
    });
  });
});
