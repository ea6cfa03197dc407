/** `secret list|get|set|describe|versions|rotate|delete|restore`. Only `get` ever prints a value. */
import { readFile } from "node:fs/promises";
import type { Context } from "../context.js";
import { UsageError } from "../errors.js";
import { requireCredential, resolveVault, unwrap } from "../session.js";
import { decryptCmekText, encryptCmek } from "../../../sdk/cmek.js";
import { readCmekKeyFile } from "../cmek-key-file.js";
import { SecretsResource } from "../../../sdk/resources/secrets.js";

interface VaultOption { vault?: string }

function vaultOf(ctx: Context, options: VaultOption): string {
  requireCredential(ctx.session);
  return resolveVault(ctx.session, options.vault);
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new UsageError("give the value as an argument, with --file, or on stdin");
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
}

/** The value from the argument, a file, or stdin (one trailing newline dropped), in that order. */
export async function valueFrom(argument: string | undefined, options: { file?: string }): Promise<string> {
  if (argument !== undefined && options.file) throw new UsageError("give the value as an argument or with --file, not both");
  if (argument !== undefined) return argument;
  if (options.file) return readFile(options.file, "utf8");
  return readStdin();
}

function positiveInteger(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`${flag} takes a positive whole number`);
  return Number(text);
}

const METADATA = (s: { path: string; type: string; version: number; created_at: string; updated_at?: string; expires_at?: string; id: string }) =>
  [["Path", s.path], ["Type", s.type], ["Version", s.version], ["Updated", s.updated_at ?? s.created_at],
    ["Expires", s.expires_at], ["ID", s.id]] as [string, unknown][];

export async function listSecrets(ctx: Context, options: VaultOption & { prefix?: string }): Promise<void> {
  const vaultId = vaultOf(ctx, options);
  const { secrets } = await unwrap(new SecretsResource(ctx.session.http).list(vaultId, options.prefix));
  ctx.out.list(secrets, secrets.map((s) => ({ ...s, updated: s.updated_at ?? s.created_at })), [
    { key: "path", header: "path" }, { key: "type", header: "type" }, { key: "version", header: "version" },
    { key: "updated", header: "updated" }, { key: "expires_at", header: "expires" }]);
}

export async function getSecret(ctx: Context, secretPath: string,
  options: VaultOption & { version?: string; quiet?: boolean; cmekKeyFile?: string }): Promise<void> {
  const vaultId = vaultOf(ctx, options);
  const version = positiveInteger(options.version, "--version");
  const key = options.cmekKeyFile ? await readCmekKeyFile(options.cmekKeyFile) : undefined;
  const secrets = new SecretsResource(ctx.session.http);
  const read = await unwrap(version ? secrets.getVersion(vaultId, secretPath, version) : secrets.get(vaultId, secretPath));
  if (key && !read.cmek_encrypted) throw new UsageError(`${secretPath} is not CMEK-encrypted: leave out --cmek-key-file`);
  const secret = key ? { ...read, value: await decryptCmekText(key, read.value).catch(() => {
    throw new UsageError(`the key in ${options.cmekKeyFile} does not open ${secretPath} (it is under the key ${read.cmek_fingerprint ?? "?"})`);
  }) } : read;
  if (options.quiet) return ctx.out.raw(secret.value);
  ctx.out.record(secret, [...METADATA(secret), ["Value", secret.value]]);
}

export async function setSecret(ctx: Context, secretPath: string, value: string | undefined,
  options: VaultOption & { file?: string; type?: string; expires?: string; quiet?: boolean; cmekKeyFile?: string }): Promise<void> {
  const vaultId = vaultOf(ctx, options);
  const plaintext = await valueFrom(value, options);
  const body = options.cmekKeyFile ? await encryptCmek(await readCmekKeyFile(options.cmekKeyFile), plaintext) : plaintext;
  const written = await unwrap(new SecretsResource(ctx.session.http).set(vaultId, secretPath, body, {
    // The 1claw CLI's default (-t api_key); the server's own default is the spec's `generic`.
    type: options.type ?? "api_key", ...(options.expires && { expires_at: options.expires }),
  }));
  if (options.quiet) return;
  if (!ctx.out.json) ctx.out.success(`${written.path} stored (version ${written.version})`);
  ctx.out.record(written, METADATA(written));
}

export async function describeSecret(ctx: Context, secretPath: string, options: VaultOption): Promise<void> {
  const vaultId = vaultOf(ctx, options);
  const secret = await unwrap(new SecretsResource(ctx.session.http).describe(vaultId, secretPath));
  ctx.out.record(secret, METADATA(secret));
}

export async function listVersions(ctx: Context, secretPath: string, options: VaultOption): Promise<void> {
  const vaultId = vaultOf(ctx, options);
  const { versions } = await unwrap(new SecretsResource(ctx.session.http).listVersions(vaultId, secretPath));
  ctx.out.list(versions, versions.map((v) => ({ ...v, disabled: v.is_disabled ? "disabled" : "" })), [
    { key: "version", header: "version" }, { key: "type", header: "type" }, { key: "created_at", header: "created" },
    { key: "expires_at", header: "expires" }, { key: "disabled", header: "" }]);
}

export async function rotateSecret(ctx: Context, secretPath: string, value: string | undefined,
  options: VaultOption & { file?: string; generate?: boolean; length?: string; charset?: string }): Promise<void> {
  const vaultId = vaultOf(ctx, options);
  const secrets = new SecretsResource(ctx.session.http);
  let rotated;
  if (options.generate) {
    if (value !== undefined || options.file) throw new UsageError("--generate makes the value: give none");
    const charset = options.charset as "hex" | "base64" | "alphanumeric" | "ascii" | undefined;
    if (charset && !["hex", "base64", "alphanumeric", "ascii"].includes(charset)) throw new UsageError("--charset is hex, base64, alphanumeric or ascii");
    rotated = await unwrap(secrets.rotateGenerate(vaultId, secretPath, { length: positiveInteger(options.length, "--length"), charset }));
  } else {
    // A new version keeps the secret's type (a write without one would store the default type).
    const current = await unwrap(secrets.describe(vaultId, secretPath));
    rotated = await unwrap(secrets.rotate(vaultId, secretPath, await valueFrom(value, options), { type: current.type }));
  }
  if (!ctx.out.json) ctx.out.success(`${rotated.path} rotated to version ${rotated.version}`);
  ctx.out.record(rotated, METADATA(rotated));
}

export async function deleteSecret(ctx: Context, secretPath: string, options: VaultOption & { yes?: boolean }): Promise<void> {
  const vaultId = vaultOf(ctx, options);
  if (!options.yes) throw new UsageError(`add --yes to delete ${secretPath} (an admin can restore it)`);
  await unwrap(new SecretsResource(ctx.session.http).delete(vaultId, secretPath));
  if (ctx.out.json) return ctx.out.printJson({ deleted: secretPath, vault_id: vaultId });
  ctx.out.success(`${secretPath} deleted`);
}

export async function restoreSecret(ctx: Context, secretPath: string, options: VaultOption): Promise<void> {
  const vaultId = vaultOf(ctx, options);
  const restored = await unwrap(new SecretsResource(ctx.session.http).restore(vaultId, secretPath));
  if (!ctx.out.json) ctx.out.success(`${restored.path} restored`);
  ctx.out.record(restored, METADATA(restored));
}
