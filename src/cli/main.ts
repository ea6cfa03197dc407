/** The `keyledger` command line: `serve`, and operator commands that work on the configured stores. */
import { Command, CommanderError } from "commander";
import { ConfigError, ENVIRONMENT_VARIABLES, loadConfig } from "../config.js";
import { DataDirInUse } from "../app/data-dir-lock.js";
import { NoStore } from "../app/stores.js";
import { KeyProviderMismatch } from "../keys/identity.js";
import { createLogger } from "../log.js";
import { serveCommand } from "./serve.js";
import { projectionsRebuildCommand, projectionsStatusCommand } from "./projections.js";
import { InvalidUserOptions, userCreateCommand } from "./user.js";
import { auditVerifyCommand } from "./audit.js";
import { replayCommand } from "./replay.js";
import pkg from "../../package.json" with { type: "json" };
import { restrictFileCreation } from "../app/data-dir.js";

// Everything we write (database files, keys, outbox mail) is for this account only.
restrictFileCreation();

const environmentHelp = [
  "",
  "Configuration (environment variables):",
  ...ENVIRONMENT_VARIABLES.map((v) => `  ${v.name.padEnd(28)} ${v.description}${v.default ? ` (default: ${v.default})` : ""}`),
].join("\n");

const program = new Command("keyledger")
  .description("Keyledger: an event-sourced secrets vault for humans and AI agents")
  .version(pkg.version)
  .addHelpText("after", environmentHelp)
  .exitOverride();

program.command("serve").description("run the HTTP API (embedded PGlite and local keys unless configured otherwise)")
  .action(async () => {
    const config = loadConfig();
    await serveCommand(config, createLogger({ level: config.logLevel }));
  });

const projections = program.command("projections").description("inspect and rebuild read models");
projections.command("status").description("show each read model's generations, position and lag")
  .option("--json", "print JSON")
  .action(async (options: { json?: boolean }) => {
    await projectionsStatusCommand(loadConfig(), options);
  });
projections.command("rebuild").argument("<name>", "the read model to rebuild")
  .description("rebuild a read model from the event log beside the live one, then swap it in (no downtime)")
  .action(async (name: string) => {
    await projectionsRebuildCommand(loadConfig(), name);
  });

program.command("replay")
  .description("compliance replay: rebuild every read model from the event log into fresh tables and report whether they equal the live ones (exit code 1 if not)")
  .option("--json", "print the report as JSON")
  .option("--keep", "keep the replayed tables (schemas replay_<name>) for inspection")
  .action(async (options: { json?: boolean; keep?: boolean }) => {
    const report = await replayCommand(loadConfig(), options);
    if (!report.equal) process.exitCode = 1;
  });

const audit = program.command("audit").description("check the audit log");
audit.command("verify").description("re-derive the audit hash chain from the event log and report the first broken link")
  .option("--json", "print JSON")
  .action(async (options: { json?: boolean }) => {
    const result = await auditVerifyCommand(loadConfig(), options);
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
    if (!["owner", "admin", "member"].includes(options.role)) throw new InvalidUserOptions("--role must be owner, admin or member");
    await userCreateCommand(loadConfig(), { ...options, role: options.role as "owner" | "admin" | "member" });
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode);
  if (error instanceof ConfigError || error instanceof DataDirInUse || error instanceof InvalidUserOptions
    || error instanceof NoStore || error instanceof KeyProviderMismatch) {
    process.stderr.write(`keyledger: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`keyledger: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
