/**
 * `keyledger run -- command args…`: the command, with the vault's secrets as environment variables. stdio is
 * inherited, signals are passed on, and the exit code is the child's (128 + signal number if it was killed).
 * Values go only into the child's environment: never to disk, never to our output.
 */
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { collectVariables, type CollectOptions } from "../collect.js";
import type { Context } from "../context.js";
import { CliError, UsageError } from "../errors.js";
import { requireCredential, resolveVault } from "../session.js";
import { SecretsResource } from "../../../sdk/resources/secrets.js";

const FORWARDED_SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"];
/** Signals a terminal sends to its whole foreground process group: the command already has them. */
const FROM_TERMINAL: ReadonlySet<NodeJS.Signals> = new Set(["SIGINT", "SIGQUIT"]);

export async function run(ctx: Context, command: string[], options: CollectOptions & { vault?: string }): Promise<number> {
  if (command.length === 0) throw new UsageError("name the command to run after --, e.g. keyledger run -- npm start");
  requireCredential(ctx.session);
  const vaultId = resolveVault(ctx.session, options.vault);
  const progress = process.stderr.isTTY
    ? (done: number, total: number) => process.stderr.write(`\rfetching secrets ${done}/${total}${done === total ? "\r\x1b[K" : ""}`)
    : undefined;
  const variables = await collectVariables(new SecretsResource(ctx.session.http), vaultId, options, progress);

  const child = spawn(command[0], command.slice(1), { stdio: "inherit", env: { ...process.env, ...variables } });
  // We stay alive until the command ends, whatever the signal; it decides what the signal means.
  const forward = (signal: NodeJS.Signals) => () => {
    if (!(process.stdin.isTTY && FROM_TERMINAL.has(signal))) child.kill(signal);
  };
  const handlers = FORWARDED_SIGNALS.map((signal) => [signal, forward(signal)] as const);
  for (const [signal, handler] of handlers) process.on(signal, handler);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.once("error", (error: NodeJS.ErrnoException) =>
        reject(new CliError(`cannot start ${command[0]}: ${error.code === "ENOENT" ? "command not found" : error.message}`, 127)));
      child.once("exit", (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
    });
  } finally {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  }
}
