/**
 * The client's configuration file, `$XDG_CONFIG_HOME/keyledger/config.json` (else `~/.config/keyledger`):
 * the API URL, the credential of `keyledger login`, a default vault, vaults linked to project directories and
 * the output format. Written whole, through a temporary file renamed into place, mode 0600 in a 0700
 * directory: it holds a token. It never holds a secret's value.
 */
import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import path from "node:path";

export type OutputFormat = "table" | "json" | "plain";

export interface StoredAuth {
  /** A bearer token (password, MFA or device login); absent when logged in with a personal API key. */
  token?: string;
  /** A personal API key (`1ck_…`) given to `login --api-key`, exchanged for tokens as needed. */
  apiKey?: string;
  email?: string;
  userId?: string;
  orgId?: string;
  expiresAt?: string;
  method: "password" | "device" | "api_key";
}

export interface ClientConfigFile {
  apiUrl?: string;
  auth?: StoredAuth;
  defaultVaultId?: string;
  /** Absolute directory -> vault id (`keyledger vault link`). */
  projectLinks?: Record<string, string>;
  outputFormat?: OutputFormat;
}

export class ConfigFileUnreadable extends Error {
  constructor(file: string, reason: string) {
    super(`cannot read ${file}: ${reason}`);
    this.name = "ConfigFileUnreadable";
  }
}

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || path.join(env.HOME || homedir(), ".config");
  return path.join(base, "keyledger");
}

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(configDir(env), "config.json");
}

export async function readConfigFile(file = configPath()): Promise<ClientConfigFile> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new ConfigFileUnreadable(file, (error as Error).message);
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not a JSON object");
    return parsed as ClientConfigFile;
  } catch (error) {
    throw new ConfigFileUnreadable(file, (error as Error).message);
  }
}

export async function writeConfigFile(config: ClientConfigFile, file = configPath()): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, file);
}

/** Reads, changes and writes the file (one CLI process at a time is the expected use). */
export async function updateConfigFile(change: (config: ClientConfigFile) => void, file = configPath()): Promise<ClientConfigFile> {
  const config = await readConfigFile(file);
  change(config);
  await writeConfigFile(config, file);
  return config;
}
