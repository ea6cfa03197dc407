/**
 * The client commands of the `keyledger` bin, as the 1claw CLI names them: definitions only (commander);
 * each action loads its module, and the SDK, when it runs.
 */
import { Command, Option } from "commander";
import type { Context } from "./context.js";

export const CLIENT_GROUP = "Client commands (talk to a Keyledger API):";

type Action = (ctx: Context, ...args: any[]) => Promise<unknown>;

/** Runs an action with the context built from the global options; an action that answers a number sets the exit code. */
function act<M>(load: () => Promise<M>, pick: (module: M) => Action) {
  return async (...args: unknown[]) => {
    const command = args.at(-1) as Command;
    const [{ openContext }, module] = await Promise.all([import("./context.js"), load()]);
    const ctx = await openContext(command.optsWithGlobals());
    const result = await pick(module)(ctx, ...args.slice(0, -1));
    if (typeof result === "number") process.exitCode = result;
  };
}

const auth = () => import("./actions/auth.js");
const vaults = () => import("./actions/vaults.js");
const secrets = () => import("./actions/secrets.js");
const cmek = () => import("./actions/cmek.js");
const env = () => import("./actions/env.js");
const runner = () => import("./actions/run.js");
const agents = () => import("./actions/agents.js");
const policies = () => import("./actions/policies.js");
const shares = () => import("./actions/shares.js");
const audit = () => import("./actions/audit.js");
const config = () => import("./actions/config.js");

const vaultOption = () => new Option("-v, --vault <id>", "the vault (default: KEYLEDGER_VAULT_ID, the linked or the default vault)");
const yesOption = () => new Option("-y, --yes", "confirm");

function agentSettings(command: Command): Command {
  return command
    .option("-d, --description <text>", "what the agent is for")
    .option("--scopes <list>", "comma-separated path scopes")
    .option("--vault-ids <list>", "comma-separated vaults the agent's tokens are bound to")
    .option("--token-ttl <seconds>", "lifetime of the agent's tokens")
    .option("--expires <iso>", "when the agent stops working");
}

export function registerClientCommands(program: Command): void {
  program.commandsGroup(CLIENT_GROUP);
  const before = program.commands.length;

  program.command("login").description("sign in: device flow (default), --email (password, then MFA code), or --api-key")
    .option("--email [email]", "sign in with email and password (prompts for what is not given; reads stdin when piped)")
    .option("--api-key <key>", "sign in with a personal API key (1ck_…), kept in the config file")
    .option("--device", "use the device flow even with --email")
    .action(act(auth, (m) => m.login));
  program.command("logout").description("revoke the token on the server and forget it")
    .action(act(auth, (m) => m.logout));
  program.command("whoami").description("who the CLI acts as, against which API")
    .action(act(auth, (m) => m.whoami));
  const device = program.command("device").description("approve or deny a device login (signed in here, code shown there)");
  device.command("approve").argument("<user-code>").description("approve the device login with this code")
    .action(act(auth, (m) => (ctx: Context, code: string) => m.decideDevice(ctx, code, "approve")));
  device.command("deny").argument("<user-code>").description("deny the device login with this code")
    .action(act(auth, (m) => (ctx: Context, code: string) => m.decideDevice(ctx, code, "deny")));

  const vault = program.command("vault").description("vaults: list, create, get, delete, link a project directory");
  vault.command("list").alias("ls").description("list vaults").action(act(vaults, (m) => m.listVaults));
  vault.command("create").argument("<name>").description("create a vault")
    .option("-d, --description <text>").option("-q, --quiet", "print only the new vault's id").action(act(vaults, (m) => m.createVault));
  vault.command("get").argument("<id>").description("show a vault").action(act(vaults, (m) => m.getVault));
  vault.command("delete").argument("<id>").description("delete a vault (destroys its key)").addOption(yesOption())
    .action(act(vaults, (m) => m.deleteVault));
  vault.command("link").argument("<id>").description("use this vault in the working directory (and below)")
    .option("--default", "make it the default vault everywhere instead").action(act(vaults, (m) => m.linkVault));
  vault.command("unlink").description("remove the working directory's vault link").action(act(vaults, (m) => m.unlinkVault));
  vault.command("cmek-keygen").argument("<file>").description("write a new customer-managed key (32 random bytes, base64) to a new file")
    .action(act(cmek, (m) => m.generateKey));
  vault.command("cmek-enable").argument("<id>").description("encrypt the vault's values client-side with your key (only its fingerprint is sent)")
    .requiredOption("--key-file <file>", "the customer key").action(act(cmek, (m) => m.enableCmek));
  vault.command("cmek-disable").argument("<id>").description("stop encrypting new values client-side")
    .action(act(cmek, (m) => m.disableCmek));
  vault.command("cmek-rotate").argument("<id>").description("re-encrypt the vault's values from the old key to the new one, showing progress")
    .requiredOption("--old-key-file <file>", "the key in force").requiredOption("--new-key-file <file>", "the key to rotate to")
    .option("--no-wait", "start (or resume) the job and return at once").option("--interval <ms>", "how often to poll", "1000")
    .action(act(cmek, (m) => m.rotateCmek));

  const secret = program.command("secret").description("secrets: list, get, set, describe, versions, rotate, delete, restore");
  secret.command("list").alias("ls").description("list secrets (metadata only)").addOption(vaultOption())
    .option("--prefix <path>", "only paths under this prefix").action(act(secrets, (m) => m.listSecrets));
  secret.command("get").argument("<path>").description("print a secret's value (an audited read)").addOption(vaultOption())
    .option("--version <n>", "an older version").option("-q, --quiet", "print only the raw value")
    .option("--cmek-key-file <file>", "decrypt a value of a CMEK vault with this key")
    .action(act(secrets, (m) => m.getSecret));
  secret.command("set").argument("<path>").argument("[value]", "the value (else --file, else stdin)")
    .description("store a new version").addOption(vaultOption()).option("-f, --file <file>", "read the value from a file")
    .option("-t, --type <type>", "api_key, password, env_bundle, note, ... (default api_key)")
    .option("-e, --expires <iso>", "when the secret expires").option("-q, --quiet", "print nothing")
    .option("--cmek-key-file <file>", "encrypt the value with this key before it leaves (for CMEK vaults)")
    .action(act(secrets, (m) => m.setSecret));
  secret.command("describe").argument("<path>").description("show a secret's metadata, not its value").addOption(vaultOption())
    .action(act(secrets, (m) => m.describeSecret));
  secret.command("versions").argument("<path>").description("list a secret's versions").addOption(vaultOption())
    .action(act(secrets, (m) => m.listVersions));
  secret.command("rotate").argument("<path>").argument("[value]").description("store a new version (or --generate one)")
    .addOption(vaultOption()).option("-f, --file <file>").option("-g, --generate", "let the server generate a random value")
    .option("-l, --length <n>", "generated length").option("-c, --charset <set>", "hex, base64, alphanumeric or ascii")
    .action(act(secrets, (m) => m.rotateSecret));
  secret.command("delete").argument("<path>").description("delete a secret (an admin can restore it)").addOption(vaultOption())
    .addOption(yesOption()).action(act(secrets, (m) => m.deleteSecret));
  secret.command("restore").argument("<path>").description("restore a deleted secret").addOption(vaultOption())
    .action(act(secrets, (m) => m.restoreSecret));

  const envCommand = program.command("env").description("environment files: pull the vault's variables, push a .env file");
  envCommand.command("pull").description("print (or -o write, mode 0600) the variables `run` would inject")
    .addOption(vaultOption()).option("--prefix <path>").option("--env-bundle <path>", "only this env_bundle secret")
    .addOption(new Option("-f, --format <format>", "output format").choices(["dotenv", "json", "shell"]).default("dotenv"))
    .option("-o, --output <file>", "write to this file (mode 0600) instead of stdout").action(act(env, (m) => m.envPull));
  envCommand.command("push").argument("<file>").description("store a .env file as an env_bundle secret").addOption(vaultOption())
    .option("-p, --path <path>", "the secret's path", "config/env").action(act(env, (m) => m.envPush));

  program.command("run").argument("<command...>", "the command and its arguments, after --")
    .description("run a command with the vault's secrets as environment variables (exit code: the command's)")
    .addOption(vaultOption()).option("--prefix <path>", "only secrets under this path")
    .option("--env-bundle <path>", "only this env_bundle secret's variables")
    .option("--only <names...>", "only these variables")
    .action(act(runner, (m) => (ctx: Context, command: string[], options: object) => m.run(ctx, command, options)));

  const agent = program.command("agent").description("agents: create, list, get, update, delete, rotate-key, token");
  agentSettings(agent.command("create").argument("<name>").description("register an agent (its API key is printed once)"))
    .action(act(agents, (m) => m.createAgent));
  agent.command("list").alias("ls").description("list agents").action(act(agents, (m) => m.listAgents));
  agent.command("get").argument("<id>").description("show an agent").action(act(agents, (m) => m.getAgent));
  agentSettings(agent.command("update").argument("<id>").description("change an agent"))
    .option("--name <name>").option("--active <true|false>", "activate or deactivate").action(act(agents, (m) => m.updateAgent));
  agent.command("delete").argument("<id>").description("delete an agent").addOption(yesOption()).action(act(agents, (m) => m.deleteAgent));
  agent.command("rotate-key").argument("<id>").description("replace the agent's API key (printed once)")
    .action(act(agents, (m) => m.rotateAgentKey));
  agent.command("token").argument("<id>").description("mint a short-lived token for the agent (at most 15 minutes)")
    .option("-q, --quiet", "print only the token").action(act(agents, (m) => m.agentToken));

  const policy = program.command("policy").description("access policies: create, list, update, delete");
  policy.command("create").description("let a user or an agent read or write paths of a vault").addOption(vaultOption())
    .requiredOption("--principal-type <type>", "user or agent").requiredOption("--principal-id <id>")
    .option("--path <glob>", "the paths (`*` one segment, `**` any)", "**")
    .option("--permissions <list>", "read, write or read,write", "read").option("--expires <iso>")
    .action(act(policies, (m) => m.createPolicy));
  policy.command("list").alias("ls").description("list a vault's policies").addOption(vaultOption()).action(act(policies, (m) => m.listPolicies));
  policy.command("update").argument("<id>").description("change a policy's permissions or expiry (`never` removes it)")
    .addOption(vaultOption()).option("--permissions <list>").option("--expires <iso|never>").action(act(policies, (m) => m.updatePolicy));
  policy.command("delete").argument("<id>").description("delete a policy").addOption(vaultOption()).addOption(yesOption())
    .action(act(policies, (m) => m.deletePolicy));

  const share = program.command("share").description("sharing: create, list, accept, decline, revoke");
  share.command("create").argument("<secret-id>").description("share a secret with a user, an agent, an address, or by link")
    .option("--to <recipient>", "user:<id>, agent:<id> or an email address").option("--link", "anyone with the link")
    .option("--expires <when>", "ISO date or duration (30m, 12h, 7d)", "7d").option("--max-access <n>", "reads allowed")
    .option("--passphrase <phrase>", "required to read through the share").action(act(shares, (m) => m.createShare));
  share.command("list").alias("ls").description("list shares you sent (or --inbound: received)")
    .option("--inbound", "shares sent to you").option("--outbound", "shares you sent (default)").action(act(shares, (m) => m.listShares));
  for (const action of ["accept", "decline", "revoke"] as const) {
    share.command(action).argument("<id>").description(`${action} a share`)
      .action(act(shares, (m) => (ctx: Context, id: string) => m.decideShare(ctx, id, action)));
  }

  const auditCommand = program.command("audit").description("the audit log: list entries, verify the hash chain");
  auditCommand.command("list").alias("ls").description("the newest audit entries").option("-v, --vault <id>", "about this vault")
    .option("--action <action>", "e.g. secret.read").option("--limit <n>", "how many", "25").action(act(audit, (m) => m.listAudit));

  const configCommand = program.command("config").description("the CLI's settings: api-url, default-vault, output-format");
  configCommand.command("list").alias("ls").description("show the settings").action(act(config, (m) => m.listConfig));
  configCommand.command("get").argument("<key>").description("print one setting").action(act(config, (m) => m.getConfig));
  configCommand.command("set").argument("<key>").argument("<value>").description("change a setting").action(act(config, (m) => m.setConfig));

  program.commands.slice(before).forEach(addClientOptions);
}

/** `--json` and `--api-url` on every client command (the bin's own work only before the command name). */
function addClientOptions(command: Command): void {
  if (command.commands.length > 0) return command.commands.forEach(addClientOptions);
  command.option("--json", "print JSON (for scripts)")
    .option("--api-url <url>", "the API to talk to (default: KEYLEDGER_API_URL, the config file, http://localhost:8080)");
}

/** `audit verify` is both: through the API (default), or against the configured stores (`--stores`, operators). */
export function auditVerifyViaApi(): (...args: unknown[]) => Promise<void> {
  return act(audit, (m) => m.verifyAudit);
}
