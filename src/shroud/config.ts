/**
 * Shroud's own settings (the stores are the API server's: DATABASE_URL, the key provider, ...). Each
 * provider's upstream base URL is configurable, so tests and air-gapped installs point them at a local model
 * server.
 */
import { z } from "zod";
import { ConfigError, type EnvironmentVariable } from "../config.js";
import { DEFAULT_PRICES, type PriceTable } from "./prices.js";

export const SHROUD_ENVIRONMENT_VARIABLES: readonly EnvironmentVariable[] = [
  { name: "SHROUD_PORT", description: "TCP port of the Shroud LLM proxy", default: "8081" },
  { name: "SHROUD_HOST", description: "Interface Shroud listens on", default: "0.0.0.0" },
  { name: "SHROUD_OPENAI_BASE_URL", description: "OpenAI upstream", default: "https://api.openai.com" },
  { name: "SHROUD_ANTHROPIC_BASE_URL", description: "Anthropic upstream", default: "https://api.anthropic.com" },
  { name: "SHROUD_GOOGLE_BASE_URL", description: "Google Gemini upstream", default: "https://generativelanguage.googleapis.com" },
  { name: "SHROUD_UPSTREAM_TIMEOUT_MS", description: "How long an upstream call may take", default: "120000" },
  { name: "SHROUD_PRICES", description: "JSON price table for daily budgets: {\"<model prefix>\": {\"input_per_mtok\": USD, \"output_per_mtok\": USD}}; replaces the built-in table" },
];

export const PROVIDERS = ["openai", "anthropic", "google"] as const;
export type Provider = (typeof PROVIDERS)[number];

export interface ShroudProcessConfig {
  port: number;
  host: string;
  upstreams: Record<Provider, string>;
  upstreamTimeoutMs: number;
  prices: PriceTable;
  /** Largest request body (1claw: 5 MB, then 413). */
  maxBodyBytes: number;
}

const baseUrl = z.string().url().refine((u) => /^https?:/.test(u), "must be an http:// or https:// URL")
  .transform((u) => u.replace(/\/+$/, ""));

const Prices = z.record(z.string(), z.object({ input_per_mtok: z.number().min(0), output_per_mtok: z.number().min(0) }));

const Env = z.object({
  SHROUD_PORT: z.string().regex(/^\d+$/, "must be an integer from 0 to 65535").transform(Number)
    .refine((n) => n <= 65535, "must be an integer from 0 to 65535").default(8081),
  SHROUD_HOST: z.string().default("0.0.0.0"),
  SHROUD_OPENAI_BASE_URL: baseUrl.default("https://api.openai.com"),
  SHROUD_ANTHROPIC_BASE_URL: baseUrl.default("https://api.anthropic.com"),
  SHROUD_GOOGLE_BASE_URL: baseUrl.default("https://generativelanguage.googleapis.com"),
  SHROUD_UPSTREAM_TIMEOUT_MS: z.string().regex(/^\d+$/, "must be a whole number of milliseconds").transform(Number).default(120000),
  SHROUD_PRICES: z.string().transform((text, ctx) => {
    try {
      return Prices.parse(JSON.parse(text));
    } catch {
      ctx.addIssue({ code: "custom", message: "must be a JSON object of {input_per_mtok, output_per_mtok} by model" });
      return z.NEVER;
    }
  }).optional(),
});

export function loadShroudConfig(env: Record<string, string | undefined> = process.env): ShroudProcessConfig {
  const known = new Set(SHROUD_ENVIRONMENT_VARIABLES.map((v) => v.name));
  const given = Object.fromEntries(Object.entries(env).filter(([name, value]) => known.has(name) && !!value));
  const parsed = Env.safeParse(given);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((issue) => `${String(issue.path[0])}: ${issue.message}`));
  const e = parsed.data;
  return {
    port: e.SHROUD_PORT, host: e.SHROUD_HOST,
    upstreams: { openai: e.SHROUD_OPENAI_BASE_URL, anthropic: e.SHROUD_ANTHROPIC_BASE_URL, google: e.SHROUD_GOOGLE_BASE_URL },
    upstreamTimeoutMs: e.SHROUD_UPSTREAM_TIMEOUT_MS,
    prices: e.SHROUD_PRICES ?? DEFAULT_PRICES,
    maxBodyBytes: 5 * 1024 * 1024,
  };
}
