/**
 * What a client command runs with: the API URL, the credential and the vault, from (first wins) flags, the
 * environment (`KEYLEDGER_*`, or the 1claw CLI's `ONECLAW_*` names), the project link of the working
 * directory, and the config file. And the SDK's connection built from them: a command builds on it only the
 * SDK resources it uses (each is a module of its own; KeyledgerClient would load all twelve at every start).
 */
import path from "node:path";
import { HttpClient } from "../../sdk/http.js";
import type { OneclawResponse } from "../../sdk/types.js";
import { readConfigFile, type ClientConfigFile } from "./config-file.js";
import { nodeFetch } from "./node-fetch.js";
import { apiFailure, UsageError } from "./errors.js";

export const DEFAULT_API_URL = "http://localhost:8080";

/** Each setting's variables, ours first, then the 1claw CLI's. */
export const ENV_NAMES = {
  apiUrl: ["KEYLEDGER_API_URL", "ONECLAW_API_URL", "ONECLAW_BASE_URL"],
  token: ["KEYLEDGER_TOKEN", "ONECLAW_TOKEN"],
  apiKey: ["KEYLEDGER_API_KEY", "ONECLAW_API_KEY"],
  vaultId: ["KEYLEDGER_VAULT_ID", "ONECLAW_VAULT_ID"],
} as const;

function fromEnv(env: NodeJS.ProcessEnv, names: readonly string[]): string | undefined {
  for (const name of names) if (env[name]) return env[name];
  return undefined;
}

export interface Session {
  config: ClientConfigFile;
  apiUrl: string;
  /** Where the credential comes from, for `whoami`. */
  credentialSource: "KEYLEDGER_TOKEN" | "KEYLEDGER_API_KEY" | "config" | "none";
  /** The SDK's HTTP path with the credential: `new SecretsResource(session.http)` and the like share it. */
  http: HttpClient;
}

export interface GlobalOptions {
  apiUrl?: string;
  json?: boolean;
}

export async function openSession(options: GlobalOptions, env: NodeJS.ProcessEnv = process.env): Promise<Session> {
  const config = await readConfigFile();
  const apiUrl = (options.apiUrl ?? fromEnv(env, ENV_NAMES.apiUrl) ?? config.apiUrl ?? DEFAULT_API_URL).replace(/\/+$/, "");
  const envToken = fromEnv(env, ENV_NAMES.token);
  const envKey = fromEnv(env, ENV_NAMES.apiKey);
  let credentialSource: Session["credentialSource"] = "none";
  let credential: { token?: string; apiKey?: string } = {};
  if (envToken) [credentialSource, credential] = ["KEYLEDGER_TOKEN", { token: envToken }];
  else if (envKey) [credentialSource, credential] = ["KEYLEDGER_API_KEY", { apiKey: envKey }];
  else if (config.auth?.token || config.auth?.apiKey) {
    credentialSource = "config";
    credential = config.auth.apiKey ? { apiKey: config.auth.apiKey } : { token: config.auth.token };
  }
  return { config, apiUrl, credentialSource, http: new HttpClient({ baseUrl: apiUrl, fetch: nodeFetch, ...credential }) };
}

/** The vault a command works on: `--vault`, KEYLEDGER_VAULT_ID, the link of this directory or a parent, the default. */
export function resolveVault(session: Session, flag: string | undefined, cwd = process.cwd(), env = process.env): string {
  const fromFlagOrEnv = flag ?? fromEnv(env, ENV_NAMES.vaultId);
  if (fromFlagOrEnv) return fromFlagOrEnv;
  const links = session.config.projectLinks ?? {};
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    if (links[dir]) return links[dir];
    if (path.dirname(dir) === dir) break;
  }
  if (session.config.defaultVaultId) return session.config.defaultVaultId;
  throw new UsageError("no vault specified: use --vault <id>, or run `keyledger vault link <id>` in the project directory");
}

/** The data of an SDK answer, or the CLI's error for it. */
export async function unwrap<T>(call: Promise<OneclawResponse<T>>): Promise<T> {
  const answer = await call;
  if (answer.error) throw apiFailure(answer.error, answer.meta.status);
  return answer.data as T;
}

export function requireCredential(session: Session): void {
  if (session.credentialSource === "none") throw new UsageError("not logged in: run `keyledger login`, or set KEYLEDGER_TOKEN or KEYLEDGER_API_KEY");
}
