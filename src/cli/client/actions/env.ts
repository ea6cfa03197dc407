/** `env pull` (dotenv, json, shell; `-o FILE` written 0600) and `env push FILE` (an env_bundle secret). */
import { readFile, writeFile, chmod } from "node:fs/promises";
import { collectVariables } from "../collect.js";
import type { Context } from "../context.js";
import { formatDotenv, formatShell } from "../env-names.js";
import { UsageError } from "../errors.js";
import { requireCredential, resolveVault, unwrap } from "../session.js";
import { SecretsResource } from "../../../sdk/resources/secrets.js";

export async function envPull(ctx: Context, options: { vault?: string; prefix?: string; envBundle?: string; format?: string; output?: string }): Promise<void> {
  requireCredential(ctx.session);
  const format = options.format ?? "dotenv";
  if (!["dotenv", "json", "shell"].includes(format)) throw new UsageError("--format is dotenv, json or shell");
  const vaultId = resolveVault(ctx.session, options.vault);
  const variables = await collectVariables(new SecretsResource(ctx.session.http), vaultId, options);
  const text = format === "json" ? `${JSON.stringify(variables, null, 2)}\n` : format === "shell" ? formatShell(variables) : formatDotenv(variables);
  if (!options.output) return ctx.out.raw(text);
  await writeFile(options.output, text, { mode: 0o600 });
  await chmod(options.output, 0o600);
  ctx.out.success(`${Object.keys(variables).length} variables written to ${options.output} (mode 0600)`);
}

export async function envPush(ctx: Context, file: string, options: { vault?: string; path?: string }): Promise<void> {
  requireCredential(ctx.session);
  const vaultId = resolveVault(ctx.session, options.vault);
  const secretPath = options.path ?? "config/env";
  const written = await unwrap(new SecretsResource(ctx.session.http).set(vaultId, secretPath, await readFile(file, "utf8"), { type: "env_bundle" }));
  if (ctx.out.json) return ctx.out.printJson(written);
  ctx.out.success(`${file} stored as env_bundle ${written.path} (version ${written.version})`);
}
