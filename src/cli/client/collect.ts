/**
 * The variables `run` and `env pull` hand out: every env_bundle, api_key and password secret of the vault
 * (as the 1claw CLI's `env run`), or the lines of one env_bundle; one list call, then the reads in parallel
 * (each one an audited read on the server). Values stay in memory.
 */
import type { SecretsResource } from "../../sdk/resources/secrets.js";
import { CliError, EXIT } from "./errors.js";
import { variableName } from "./env-names.js";
import { unwrap } from "./session.js";

export const INJECTED_TYPES: ReadonlySet<string> = new Set(["env_bundle", "api_key", "password"]);
/** Reads in flight at once: enough to hide the round trips, few enough to be fair to the server. */
const PARALLEL_READS = 16;

export interface CollectOptions {
  prefix?: string;
  /** Only this env_bundle secret's lines. */
  envBundle?: string;
  /** Only these variable names. */
  only?: string[];
}

async function mapParallel<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** A fixed order (the later path wins a clash of variable names), without localeCompare's ~10 ms of ICU set-up. */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function read(secrets: SecretsResource, vaultId: string, secret: { path: string; type: string }): Promise<Record<string, string>> {
  if (secret.type === "env_bundle") {
    const bundle = await unwrap(secrets.get(vaultId, secret.path, { format: "json" }));
    return bundle.env ?? {};
  }
  const single = await unwrap(secrets.get(vaultId, secret.path));
  return { [variableName(secret.path)]: single.value };
}

export async function collectVariables(secrets: SecretsResource, vaultId: string, options: CollectOptions,
  onProgress?: (done: number, total: number) => void): Promise<Record<string, string>> {
  let sources: { path: string; type: string }[];
  if (options.envBundle) {
    sources = [{ path: options.envBundle, type: "env_bundle" }];
  } else {
    const listed = await unwrap(secrets.list(vaultId, options.prefix));
    sources = listed.secrets.filter((s) => INJECTED_TYPES.has(s.type)).sort((a, b) => byCodeUnits(a.path, b.path));
  }
  let done = 0;
  const parts = await mapParallel(sources, PARALLEL_READS, async (source) => {
    const variables = await read(secrets, vaultId, source);
    onProgress?.(++done, sources.length);
    return variables;
  });
  const variables: Record<string, string> = Object.assign({}, ...parts);
  if (!options.only?.length) return variables;
  const missing = options.only.filter((name) => !(name in variables));
  if (missing.length > 0) throw new CliError(`not in the vault: ${missing.join(", ")}`, EXIT.notFound);
  return Object.fromEntries(options.only.map((name) => [name, variables[name]]));
}
