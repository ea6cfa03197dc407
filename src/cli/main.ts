/**
 * The `keyledger` command line: client commands that talk to an API (as the 1claw CLI), and operator
 * commands that run the server or work on this machine's stores.
 */
import { Command, CommanderError } from "commander";
import { version } from "../version.js";
import { restrictFileCreation } from "../app/data-dir.js";
import { CliError, EXIT } from "./client/errors.js";
import { auditVerifyViaApi, registerClientCommands } from "./client/commands.js";

// Everything we write (database files, keys, outbox mail, the client's config) is for this account only.
restrictFileCreation();

// Each command imports what it needs when it runs, so `keyledger --version` and the client commands do
// not load the server (koa, PGlite, the key providers) just to start.
async function environmentHelp(): Promise<string> {
  const [{ ENVIRONMENT_VARIABLES }, { SHROUD_ENVIRONMENT_VARIABLES }] = await Promise.all([import("../config.js"),
    import("../shroud/config.js")]);
  return [
    "",
    "Client configuration: $XDG_CONFIG_HOME/keyledger/config.json (else ~/.config/keyledger/config.json), overridden by",
    "  KEYLEDGER_API_URL, KEYLEDGER_TOKEN, KEYLEDGER_API_KEY, KEYLEDGER_VAULT_ID (or the 1claw CLI's ONECLAW_* names).",
    "Exit codes: 2 usage, 3 not found, 4 denied, 5 unavailable, 1 other failures; `run` answers its command's code.",
    "",
    "Server configuration (environment variables):",
    ...ENVIRONMENT_VARIABLES.map((v) => `  ${v.name.padEnd(28)} ${v.description}${v.default ? ` (default: ${v.default})` : ""}`),
    "",
    "Shroud (`keyledger shroud`, on the server's stores and these):",
    ...SHROUD_ENVIRONMENT_VARIABLES.map((v) => `  ${v.name.padEnd(28)} ${v.description}${v.default ? ` (default: ${v.default})` : ""}`),
  ].join("\n");
}

async function loadConfig() {
  return (await import("../config.js")).loadConfig();
}

const program = new Command("keyledger")
  .description("Keyledger: an event-sourced secrets vault for humans and AI agents")
  .version(version)
  .option("--json", "print JSON (for scripts)")
  .option("--api-url <url>", "the API to talk to (default: KEYLEDGER_API_URL, the config file, http://localhost:8080)")
  .exitOverride()
  // Options after a command name belong to that command (`secret get --version 2` is not the bin's --version).
  .enablePositionalOptions();

registerClientCommands(program);

program.command("mcp")
  .description("run the MCP server over stdio for an AI agent (ONECLAW_AGENT_API_KEY; optional ONECLAW_AGENT_ID, ONECLAW_VAULT_ID, ONECLAW_BASE_URL)")
  .action(async () => {
    const [{ mcpCommand }, { McpConfigError }] = await Promise.all([import("../mcp/stdio.js"), import("../mcp/config.js")]);
    try {
      await mcpCommand(process.env);
    } catch (error) {
      if (!(error instanceof McpConfigError)) throw error;
      process.stderr.write(`keyledger mcp: ${error.message}\n`);
      process.exitCode = 2;
    }
  });

program.commandsGroup("Operator commands (run the server, or work on this machine's stores):");

program.command("serve").description("run the HTTP API (embedded PGlite and local keys unless configured otherwise)")
  .action(async () => {
    const config = await loadConfig();
    const [{ serveCommand }, { createLogger }] = await Promise.all([import("./serve.js"), import("../log.js")]);
    await serveCommand(config, createLogger({ level: config.logLevel }));
  });

program.command("shroud")
  .description("run Shroud, the LLM proxy for agents, on its own port beside the API, on the same stores (DATABASE_URL; SHROUD_* settings)")
  .action(async () => {
    const config = await loadConfig();
    const [{ shroudCommand }, { loadShroudConfig }, { createLogger }] = await Promise.all([import("../shroud/command.js"),
      import("../shroud/config.js"), import("../log.js")]);
    await shroudCommand(config, loadShroudConfig(), createLogger({ level: config.logLevel }));
  });

const projections = program.command("projections").description("inspect and rebuild read models");
projections.command("status").description("show each read model's generations, position and lag")
  .option("--json", "print JSON")
  .action(async (_options: object, command: Command) => {
    const { projectionsStatusCommand } = await import("./projections.js");
    await projectionsStatusCommand(await loadConfig(), { json: command.optsWithGlobals().json });
  });
projections.command("rebuild").argument("<name>", "the read model to rebuild")
  .description("rebuild a read model from the event log beside the live one, then swap it in (no downtime)")
  .action(async (name: string) => {
    const { projectionsRebuildCommand } = await import("./projections.js");
    await projectionsRebuildCommand(await loadConfig(), name);
  });

program.command("replay")
  .description("compliance replay: rebuild every read model from the event log into fresh tables and report whether they equal the live ones (exit code 1 if not)")
  .option("--json", "print the report as JSON")
  .option("--keep", "keep the replayed tables (schemas replay_<name>) for inspection")
  .action(async (_options: object, command: Command) => {
    const { replayCommand } = await import("./replay.js");
    const { json, keep } = command.optsWithGlobals();
    const report = await replayCommand(await loadConfig(), { json, keep });
    if (!report.equal) process.exitCode = 1;
  });

const audit = program.commands.find((command) => command.name() === "audit")!;
audit.command("verify")
  .description("check the audit hash chain: through the API, or (--stores, operators) re-derived from this machine's event log")
  .option("--stores", "read the configured stores directly instead of asking the API")
  .option("--json", "print JSON")
  .action(async (options: { stores?: boolean }, command: Command) => {
    if (!options.stores) return auditVerifyViaApi()(options, command);
    const { auditVerifyCommand } = await import("./audit.js");
    const result = await auditVerifyCommand(await loadConfig(), { json: command.optsWithGlobals().json });
    if (!result.chainValid) process.exitCode = 1;
  });

const users = program.command("user").description("manage human accounts");
users.command("create").description("create a user (and their organisation, unless --org is given) without email verification")
  .requiredOption("--email <email>", "the user's email address")
  .requiredOption("--password <password>", "the user's password (at least 8 characters)")
  .option("--display-name <name>", "the user's display name")
  .option("--org <org_id>", "join this existing organisation instead of founding a new one")
  .option("--role <role>", "the role in the organisation given with --org: owner, admin or member", "member")
  .action(async (options: { email: string; password: string; displayName?: string; org?: string; role: string }) => {
    const { InvalidUserOptions, userCreateCommand } = await import("./user.js");
    if (!["owner", "admin", "member"].includes(options.role)) throw new InvalidUserOptions("--role must be owner, admin or member");
    await userCreateCommand(await loadConfig(), { ...options, role: options.role as "owner" | "admin" | "member" });
  });

const orgs = program.command("org").description("operate on organisations (billing)");
orgs.command("set-tier").description("set an organisation's billing tier (free, pro, business, enterprise) without a payment provider")
  .requiredOption("--org <org_id>", "the organisation")
  .requiredOption("--tier <tier>", "free, pro, business or enterprise")
  .option("--days <n>", "how long a paid tier runs before the install's default applies again", "365")
  .action(async (options: { org: string; tier: string; days: string }) => {
    const { orgSetTierCommand } = await import("./billing.js");
    await orgSetTierCommand(await loadConfig(), options);
  });

const credits = program.command("credits").description("prepaid credits of organisations");
credits.command("grant").description("grant prepaid credits to an organisation (they expire 12 months later)")
  .requiredOption("--org <org_id>", "the organisation")
  .requiredOption("--amount <usd>", "USD, e.g. 25 or 2.50")
  .option("--description <text>", "what the ledger shows for the grant")
  .action(async (options: { org: string; amount: string; description?: string }) => {
    const { creditsGrantCommand } = await import("./billing.js");
    await creditsGrantCommand(await loadConfig(), options);
  });

/** Errors that mean the command was called or configured wrongly: exit code 2. */
async function isUsageError(error: unknown): Promise<boolean> {
  const [{ ConfigError }, { DataDirInUse }, { InvalidUserOptions }, { NoStore }, { KeyProviderMismatch }, { InvalidBillingOptions }] =
    await Promise.all([import("../config.js"), import("../app/data-dir-lock.js"), import("./user.js"), import("../app/stores.js"),
      import("../keys/identity.js"), import("./billing.js")]);
  return error instanceof ConfigError || error instanceof DataDirInUse || error instanceof InvalidUserOptions
    || error instanceof NoStore || error instanceof KeyProviderMismatch || error instanceof InvalidBillingOptions;
}

if (process.argv.some((arg) => arg === "--help" || arg === "-h" || arg === "help")) {
  program.addHelpText("after", await environmentHelp());
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Help and --version end through here with code 0; every other commander error is a usage error.
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : EXIT.usage);
  if (error instanceof CliError) {
    process.stderr.write(`keyledger: ${error.message}\n`);
    process.exit(error.exitCode);
  }
  if (await isUsageError(error)) {
    process.stderr.write(`keyledger: ${(error as Error).message}\n`);
    process.exit(2);
  }
  process.stderr.write(`keyledger: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
