/**
 * Configuration from the environment, validated once at start-up. Error messages name the variable and
 * what is wrong with it, never its value: some variables hold secrets (PKCS11_PIN, credentials in URLs).
 */
import path from "node:path";
import { z } from "zod";

export interface EnvironmentVariable {
  name: string;
  description: string;
  /** Shown in help; absent when the variable is optional with no default. */
  default?: string;
}

/** Every variable we read, for the README and `keyledger --help`. */
export const ENVIRONMENT_VARIABLES: readonly EnvironmentVariable[] = [
  { name: "PORT", description: "TCP port of the HTTP API", default: "8080" },
  { name: "HOST", description: "Interface the HTTP API listens on", default: "0.0.0.0" },
  { name: "KEYLEDGER_DATA_DIR", description: "Directory for embedded data (PGlite, local master key)", default: "./data" },
  { name: "DATABASE_URL", description: "PostgreSQL URL for events and read models; embedded PGlite in the data dir when absent" },
  { name: "EVENTSTORE_URL", description: "EventStoreDB URL (esdb://...) for events; read models stay in DATABASE_URL or PGlite" },
  { name: "EVENTSTORE_DEADLINE_MS", description: "How long an event-store call may take before it fails as unavailable", default: "5000" },
  { name: "KEY_PROVIDER", description: "Where keys live: local or pkcs11", default: "pkcs11 when PKCS11_MODULE is set, else local" },
  { name: "PKCS11_MODULE", description: "Path of the PKCS#11 library (e.g. /usr/lib/softhsm/libsofthsm2.so)" },
  { name: "PKCS11_TOKEN_LABEL", description: "Label of the PKCS#11 token that holds our keys", default: "keyledger" },
  { name: "PKCS11_SLOT", description: "Index of the PKCS#11 slot, when the token label is not enough" },
  { name: "PKCS11_PIN", description: "User PIN of the PKCS#11 token (required with pkcs11; never logged)" },
  { name: "LOG_LEVEL", description: "fatal, error, warn, info, debug, trace or silent", default: "info" },
  { name: "KEYLEDGER_PUBLIC_URL", description: "Base URL clients reach us at, used in links (e.g. https://vault.example.com)" },
  { name: "KEYLEDGER_SHROUD_URL", description: "Base URL clients reach Shroud (keyledger shroud) at; a minted router key comes with this URL + /v1 as its base_url", default: "http://localhost:8081" },
  { name: "KEYLEDGER_WORKERS", description: "API processes `keyledger serve` runs on one port (node's cluster module); more than 1 needs DATABASE_URL and an HSM (KEY_PROVIDER=pkcs11)", default: "1" },
  { name: "SHUTDOWN_TIMEOUT_MS", description: "How long in-flight requests may run after a shutdown signal", default: "10000" },
  { name: "READ_YOUR_WRITES_TIMEOUT_MS", description: "How long a write waits for the read models to catch up", default: "5000" },
  { name: "SMTP_URL", description: "SMTP server for outgoing mail (smtp://user:pass@host:587 or smtps://...); without it mail goes to <data dir>/outbox" },
  { name: "MAIL_FROM", description: "Sender address of outgoing mail", default: "Keyledger <no-reply@keyledger.invalid>" },
  { name: "GOOGLE_CLIENT_ID", description: "OAuth client id that Google ID tokens must be issued for (POST /v1/auth/google is off without it)" },
  { name: "GOOGLE_ISSUER", description: "Issuer that ID tokens for POST /v1/auth/google must name", default: "https://accounts.google.com" },
  { name: "GOOGLE_JWKS_URL", description: "Where that issuer publishes its signing keys", default: "https://www.googleapis.com/oauth2/v3/certs" },
  { name: "RATE_LIMIT_AUTH_BURST", description: "Requests a client address may make at once to POST /v1/auth/* and /v1/agents/enroll (key exchanges excepted), and failed authentications it may make at once on any route", default: "5" },
  { name: "RATE_LIMIT_AUTH_PER_SECOND", description: "Sustained requests (and failed authentications) per second per client address once the burst is spent", default: "1" },
  { name: "KEYLEDGER_CHAIN_RPC_URLS", description: "RPC URLs of chains for the Intents API: comma-separated name=url (or chain id=url), e.g. base=https://...; a chain without one can sign but not simulate or broadcast" },
  { name: "KEYLEDGER_CHAINS_FILE", description: "JSON file of chains to add to (or override in) the default registry: [{name, chain_id, rpc_url?, display_name?, explorer_url?, native_currency?, is_testnet?}]" },
  { name: "KEYLEDGER_DEV_CHAIN_RPC_URL", description: "RPC URL of a local development chain (anvil, hardhat), registered as `localhost`" },
  { name: "KEYLEDGER_DEV_CHAIN_ID", description: "Chain id of the local development chain", default: "31337" },
  { name: "RPC_DEADLINE_MS", description: "How long one call to a chain's RPC may take before it fails as unavailable", default: "10000" },
  { name: "TENDERLY_ACCESS_KEY", description: "Tenderly API access key: with TENDERLY_ACCOUNT and TENDERLY_PROJECT, the Intents API simulates through Tenderly instead of the chain's RPC (never logged)" },
  { name: "TENDERLY_ACCOUNT", description: "Tenderly account slug for simulations" },
  { name: "TENDERLY_PROJECT", description: "Tenderly project slug for simulations" },
  { name: "TENDERLY_API_URL", description: "Base URL of Tenderly's API", default: "https://api.tenderly.co" },
  { name: "AUDIT_SIGN_INTERVAL_SECONDS", description: "How often the audit hash chain's head is signed through the key provider (when new events arrived)", default: "60" },
  { name: "KEYLEDGER_DEFAULT_TIER", description: "Billing tier of every organisation no operator has set one for: free, pro, business or enterprise (unlimited, still counted)", default: "enterprise" },
  { name: "KEYLEDGER_OPERATOR_EMAILS", description: "Comma-separated emails of the users who may call /v1/admin/* (operators of this install, not of an organisation)" },
  { name: "X402_FACILITATOR_URL", description: "x402 facilitator (its /verify and /settle) that checks payments for requests over the quota; without it x402 payments are never accepted" },
  { name: "X402_PAY_TO", description: "Address x402 payments are made to (required with X402_FACILITATOR_URL)" },
  { name: "X402_NETWORK", description: "Network of x402 payments", default: "eip155:8453" },
  { name: "X402_ASSET", description: "Token contract of x402 payments (EIP-3009)", default: "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913 (USDC on Base)" },
  { name: "KEYLEDGER_CMEK_BATCH_PAUSE_MS", description: "Pause between two batches of 100 secrets of a CMEK rotation job, to spread its load", default: "0" },
];

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type KeyProviderConfig =
  | { kind: "local" }
  | { kind: "pkcs11"; module: string; tokenLabel: string; slot?: number; pin: string };

export interface Config {
  port: number;
  host: string;
  /** Absolute. */
  dataDir: string;
  databaseUrl?: string;
  eventStoreUrl?: string;
  eventStoreDeadlineMs: number;
  keyProvider: KeyProviderConfig;
  logLevel: LogLevel;
  /** Without a trailing slash. */
  publicUrl?: string;
  /** Shroud's base URL as clients reach it, without a trailing slash. */
  shroudUrl: string;
  /** API processes `keyledger serve` runs, sharing one port (1: the serving process itself). */
  workers: number;
  shutdownTimeoutMs: number;
  readYourWritesTimeoutMs: number;
  /** Outgoing mail over SMTP; absent: the outbox in the data directory. */
  smtpUrl?: string;
  mailFrom: string;
  /** Sign-in with Google (OpenID Connect ID tokens); off without a client id. */
  google: { clientId?: string; issuer: string; jwksUrl: string };
  /** Shared by every API process on the database (the buckets live there). */
  authRateLimit: { burst: number; perSecond: number };
  /** Seconds between signatures of the audit chain's head. */
  auditSignIntervalSeconds: number;
  /** The Intents API's chains: RPC URLs by chain name or id, extra chains, the local development chain. */
  chains: { rpcUrls: Record<string, string>; file?: string; devRpcUrl?: string; devChainId: number; rpcDeadlineMs: number };
  billing: {
    defaultTier: "free" | "pro" | "business" | "enterprise";
    /** Lower-cased. */
    operatorEmails: readonly string[];
    x402: { facilitatorUrl?: string; payTo?: string; network: string; asset: string };
  };
  /** Pause between two batches of a CMEK rotation job, to spread its load on a busy server (0: none). */
  cmekBatchPauseMs: number;
  /** Simulations through Tenderly's API instead of the chain's RPC, when all three are set. */
  tenderly?: { apiUrl: string; account: string; project: string; accessKey: string };
}

export class ConfigError extends Error {
  /** One line per bad variable, e.g. "PORT: must be an integer from 0 to 65535". */
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration: ${problems.join("; ")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

function integer(min: number, max: number, message: string) {
  return z
    .string()
    .regex(/^\d+$/, message)
    .transform(Number)
    .refine((n) => n >= min && n <= max, message);
}

function url(schemes: string[], message: string) {
  return z.string().refine((text) => {
    try {
      return schemes.includes(new URL(text).protocol);
    } catch {
      return false;
    }
  }, message);
}

function keyProviderKind(env: { KEY_PROVIDER?: "local" | "pkcs11"; PKCS11_MODULE?: string }) {
  return env.KEY_PROVIDER ?? (env.PKCS11_MODULE ? "pkcs11" : "local");
}

const milliseconds = integer(1, 3_600_000, "must be a whole number of milliseconds from 1 to 3600000");

const EnvSchema = z
  .object({
    PORT: integer(0, 65535, "must be an integer from 0 to 65535").default(8080),
    HOST: z.string().default("0.0.0.0"),
    KEYLEDGER_DATA_DIR: z.string().default("./data"),
    DATABASE_URL: url(["postgres:", "postgresql:"], "must be a postgres:// or postgresql:// URL").optional(),
    EVENTSTORE_URL: url(["esdb:", "esdb+discover:"], "must be an esdb:// or esdb+discover:// URL").optional(),
    EVENTSTORE_DEADLINE_MS: milliseconds.default(5000),
    KEY_PROVIDER: z.enum(["local", "pkcs11"], "must be local or pkcs11").optional(),
    PKCS11_MODULE: z.string().optional(),
    PKCS11_TOKEN_LABEL: z.string().default("keyledger"),
    PKCS11_SLOT: integer(0, 1_000_000, "must be a slot index (a non-negative integer)").optional(),
    PKCS11_PIN: z.string().optional(),
    LOG_LEVEL: z.enum(LOG_LEVELS, `must be one of ${LOG_LEVELS.join(", ")}`).default("info"),
    KEYLEDGER_PUBLIC_URL: url(["http:", "https:"], "must be an http:// or https:// URL").optional(),
    KEYLEDGER_SHROUD_URL: url(["http:", "https:"], "must be an http:// or https:// URL").default("http://localhost:8081"),
    KEYLEDGER_WORKERS: integer(1, 64, "must be a whole number of processes from 1 to 64").default(1),
    SHUTDOWN_TIMEOUT_MS: milliseconds.default(10000),
    READ_YOUR_WRITES_TIMEOUT_MS: milliseconds.default(5000),
    SMTP_URL: url(["smtp:", "smtps:"], "must be an smtp:// or smtps:// URL").optional(),
    MAIL_FROM: z.string().default("Keyledger <no-reply@keyledger.invalid>"),
    GOOGLE_CLIENT_ID: z.string().optional(),
    GOOGLE_ISSUER: z.string().default("https://accounts.google.com"),
    GOOGLE_JWKS_URL: url(["http:", "https:"], "must be an http:// or https:// URL").default("https://www.googleapis.com/oauth2/v3/certs"),
    RATE_LIMIT_AUTH_BURST: integer(1, 1_000_000_000, "must be a whole number of requests from 1 to 1000000000").default(5),
    RATE_LIMIT_AUTH_PER_SECOND: z.string()
      .regex(/^\d+(\.\d+)?$/, "must be a positive number of requests per second")
      .transform(Number)
      .refine((n) => n > 0 && n <= 1_000_000_000, "must be a positive number of requests per second")
      .default(1),
    AUDIT_SIGN_INTERVAL_SECONDS: integer(1, 86_400, "must be a whole number of seconds from 1 to 86400").default(60),
    KEYLEDGER_CHAIN_RPC_URLS: z.string()
      .refine((text) => text.split(",").every((entry) => /^[A-Za-z0-9_-]+=https?:\/\/\S+$/.test(entry.trim())),
        "must be comma-separated name=url entries with http(s) URLs")
      .transform((text) => Object.fromEntries(text.split(",").map((entry) => {
        const at = entry.indexOf("=");
        return [entry.slice(0, at).trim().toLowerCase(), entry.slice(at + 1).trim()];
      })))
      .optional(),
    KEYLEDGER_CHAINS_FILE: z.string().optional(),
    KEYLEDGER_DEV_CHAIN_RPC_URL: url(["http:", "https:"], "must be an http:// or https:// URL").optional(),
    KEYLEDGER_DEV_CHAIN_ID: integer(1, 2 ** 53 - 1, "must be a positive integer chain id").default(31337),
    RPC_DEADLINE_MS: milliseconds.default(10000),
    KEYLEDGER_DEFAULT_TIER: z.enum(["free", "pro", "business", "enterprise"], "must be free, pro, business or enterprise").default("enterprise"),
    KEYLEDGER_OPERATOR_EMAILS: z.string().optional(),
    X402_FACILITATOR_URL: url(["http:", "https:"], "must be an http:// or https:// URL").optional(),
    X402_PAY_TO: z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x address of 40 hex digits").optional(),
    X402_NETWORK: z.string().default("eip155:8453"),
    X402_ASSET: z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x address of 40 hex digits").default("0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"),
    KEYLEDGER_CMEK_BATCH_PAUSE_MS: integer(0, 600_000, "must be a whole number of milliseconds from 0 to 600000").default(0),
    TENDERLY_ACCESS_KEY: z.string().optional(),
    TENDERLY_ACCOUNT: z.string().regex(/^[A-Za-z0-9_-]+$/, "must be an account slug (letters, digits, _ and -)").optional(),
    TENDERLY_PROJECT: z.string().regex(/^[A-Za-z0-9_-]+$/, "must be a project slug (letters, digits, _ and -)").optional(),
    TENDERLY_API_URL: url(["http:", "https:"], "must be an http:// or https:// URL").default("https://api.tenderly.co"),
  })
  .superRefine((env, ctx) => {
    if (env.X402_FACILITATOR_URL && !env.X402_PAY_TO) {
      ctx.addIssue({ code: "custom", path: ["X402_PAY_TO"], message: "is required when X402_FACILITATOR_URL is set" });
    }
    // PGlite and the local keys live in the data directory, which one process at a time may open.
    if (env.KEYLEDGER_WORKERS > 1 && (!env.DATABASE_URL || keyProviderKind(env) !== "pkcs11")) {
      ctx.addIssue({ code: "custom", path: ["KEYLEDGER_WORKERS"],
        message: "more than 1 needs DATABASE_URL and KEY_PROVIDER=pkcs11 (the embedded database and local keys admit one process)" });
    }
    if (keyProviderKind(env) !== "pkcs11") return;
    if (!env.PKCS11_MODULE) ctx.addIssue({ code: "custom", path: ["PKCS11_MODULE"], message: "is required when KEY_PROVIDER is pkcs11" });
    if (!env.PKCS11_PIN) ctx.addIssue({ code: "custom", path: ["PKCS11_PIN"], message: "is required when KEY_PROVIDER is pkcs11" });
  });

/** Unset and empty mean the same: `PORT= keyledger serve` should not fail on an empty string. */
function withoutEmpty(env: Record<string, string | undefined>): Record<string, string> {
  const known = new Set(ENVIRONMENT_VARIABLES.map((v) => v.name));
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => known.has(entry[0]) && !!entry[1]),
  );
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = EnvSchema.safeParse(withoutEmpty(env));
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${String(issue.path[0])}: ${issue.message}`));
  }
  const e = parsed.data;
  const keyProvider: KeyProviderConfig =
    keyProviderKind(e) === "pkcs11"
      ? { kind: "pkcs11", module: e.PKCS11_MODULE!, tokenLabel: e.PKCS11_TOKEN_LABEL, slot: e.PKCS11_SLOT, pin: e.PKCS11_PIN! }
      : { kind: "local" };
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: path.resolve(e.KEYLEDGER_DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    eventStoreUrl: e.EVENTSTORE_URL,
    eventStoreDeadlineMs: e.EVENTSTORE_DEADLINE_MS,
    keyProvider,
    logLevel: e.LOG_LEVEL,
    publicUrl: e.KEYLEDGER_PUBLIC_URL?.replace(/\/+$/, ""),
    shroudUrl: e.KEYLEDGER_SHROUD_URL.replace(/\/+$/, ""),
    workers: e.KEYLEDGER_WORKERS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    readYourWritesTimeoutMs: e.READ_YOUR_WRITES_TIMEOUT_MS,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    google: { clientId: e.GOOGLE_CLIENT_ID, issuer: e.GOOGLE_ISSUER, jwksUrl: e.GOOGLE_JWKS_URL },
    authRateLimit: { burst: e.RATE_LIMIT_AUTH_BURST, perSecond: e.RATE_LIMIT_AUTH_PER_SECOND },
    auditSignIntervalSeconds: e.AUDIT_SIGN_INTERVAL_SECONDS,
    chains: { rpcUrls: e.KEYLEDGER_CHAIN_RPC_URLS ?? {}, file: e.KEYLEDGER_CHAINS_FILE, devRpcUrl: e.KEYLEDGER_DEV_CHAIN_RPC_URL,
      devChainId: e.KEYLEDGER_DEV_CHAIN_ID, rpcDeadlineMs: e.RPC_DEADLINE_MS },
    billing: {
      defaultTier: e.KEYLEDGER_DEFAULT_TIER,
      operatorEmails: (e.KEYLEDGER_OPERATOR_EMAILS ?? "").split(",").map((m) => m.trim().toLowerCase()).filter(Boolean),
      x402: { facilitatorUrl: e.X402_FACILITATOR_URL?.replace(/\/+$/, ""), payTo: e.X402_PAY_TO, network: e.X402_NETWORK, asset: e.X402_ASSET },
    },
    cmekBatchPauseMs: e.KEYLEDGER_CMEK_BATCH_PAUSE_MS,
    ...(e.TENDERLY_ACCESS_KEY && e.TENDERLY_ACCOUNT && e.TENDERLY_PROJECT && { tenderly: {
      apiUrl: e.TENDERLY_API_URL.replace(/\/+$/, ""), account: e.TENDERLY_ACCOUNT, project: e.TENDERLY_PROJECT,
      accessKey: e.TENDERLY_ACCESS_KEY } }),
  };
}
