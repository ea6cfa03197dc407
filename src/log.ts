/**
 * The process logger: JSON lines on stdout (or a given stream). Credential- and secret-shaped fields are
 * redacted wherever they appear in the first two levels of a log object, as a net under the rule that
 * such values are never logged in the first place.
 */
import { pino, type DestinationStream, type Logger } from "pino";
import type { LogLevel } from "./config.js";

export type { Logger };

const SENSITIVE_FIELDS = [
  "authorization",
  "cookie",
  "set-cookie",
  "password",
  "api_key",
  "apiKey",
  "value",
  "passphrase",
  "pin",
  "secret",
  "token",
  "access_token",
  "refresh_token",
  "private_key",
  "x-cmek-old-key",
  "x-cmek-new-key",
  "x-shroud-api-key",
  "x-shroud-agent-key",
  "x-payment",
  "x-share-passphrase",
  "x-auth-confirm",
  "x-csrf-token",
];

/** Paths for pino's redact: each field at the top level, one and two levels down (e.g. req.headers.cookie). */
const REDACT_PATHS = SENSITIVE_FIELDS.flatMap((field) => {
  const key = /^[A-Za-z_$][\w$]*$/.test(field) ? field : `["${field}"]`;
  const join = (prefix: string) => (key.startsWith("[") ? `${prefix}${key}` : `${prefix}.${key}`);
  return [key, join("*"), join("*.*")];
});

export interface LoggerOptions {
  level?: LogLevel;
  /** Where lines go; stdout (asynchronous) when absent. */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? "info",
      base: { service: "keyledger" },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    // stdout written asynchronously: lines logged while a write is in flight go out together in the next one,
    // instead of a write system call per line (a line per request; issue 12). Flushed when the process exits.
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
