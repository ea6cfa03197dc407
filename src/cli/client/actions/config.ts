/** `config list|get|set` over the keys of the config file a person may set: api-url, default-vault, output-format. */
import { configPath, readConfigFile, updateConfigFile, type ClientConfigFile, type OutputFormat } from "../config-file.js";
import type { Context } from "../context.js";
import { UsageError } from "../errors.js";

const KEYS = {
  "api-url": {
    read: (c: ClientConfigFile) => c.apiUrl,
    write: (c: ClientConfigFile, v: string) => {
      if (!/^https?:\/\/[^\s]+$/.test(v)) throw new UsageError("api-url must be an http(s) URL");
      c.apiUrl = v.replace(/\/+$/, "");
    },
  },
  "default-vault": {
    read: (c: ClientConfigFile) => c.defaultVaultId,
    write: (c: ClientConfigFile, v: string) => { c.defaultVaultId = v || undefined; },
  },
  "output-format": {
    read: (c: ClientConfigFile) => c.outputFormat,
    write: (c: ClientConfigFile, v: string) => {
      if (!["table", "json", "plain"].includes(v)) throw new UsageError("output-format is table, json or plain");
      c.outputFormat = v as OutputFormat;
    },
  },
} as const;
type Key = keyof typeof KEYS;

function keyOf(name: string): Key {
  if (!(name in KEYS)) throw new UsageError(`unknown key ${name}: one of ${Object.keys(KEYS).join(", ")}`);
  return name as Key;
}

export async function listConfig(ctx: Context): Promise<void> {
  const config = await readConfigFile();
  const values = Object.fromEntries(Object.entries(KEYS).map(([key, spec]) => [key, spec.read(config) ?? null]));
  const data = { ...values, "config-file": configPath(), "logged-in": !!config.auth };
  ctx.out.record(data, Object.entries(data).map(([key, value]) => [key, value ?? "(not set)"]));
}

export async function getConfig(ctx: Context, name: string): Promise<void> {
  const value = KEYS[keyOf(name)].read(await readConfigFile());
  if (ctx.out.json) return ctx.out.printJson({ [name]: value ?? null });
  if (value !== undefined) ctx.out.raw(value);
}

export async function setConfig(ctx: Context, name: string, value: string): Promise<void> {
  const key = keyOf(name);
  await updateConfigFile((config) => KEYS[key].write(config, value));
  if (ctx.out.json) return ctx.out.printJson({ [name]: value });
  ctx.out.success(`${name} = ${value}`);
}
