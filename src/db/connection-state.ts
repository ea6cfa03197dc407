/**
 * Whether the PostgreSQL server can be reached, learned from the failures of real calls and confirmed by a
 * probe. While it is down, calls fail at once (no request waits on a dead server) and a probe retries with
 * backoff; the first probe that connects brings the database back for everyone.
 */
import { DatabaseUnavailable } from "./database.js";

/** Driver and server answers that mean "no usable connection", not "this statement is wrong". */
const CONNECTION_ERROR_CODES = new Set([
  "ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN",
  "57P01", // admin_shutdown: our backend was terminated
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now: starting up or shutting down
  "53300", // too_many_connections
]);

/**
 * SQLSTATE classes of a server that cannot serve now, whatever the statement: connection exception (08),
 * insufficient resources (53), operator intervention (57: shutdown, cancelled or timed-out statements),
 * system error (58); and serialization failures and deadlocks (40001, 40P01). A retry may succeed: 503.
 */
const TRANSIENT_CLASSES = ["08", "53", "57", "58", "40001", "40P01"];

const CONNECTION_ERROR_MESSAGES =
  /Connection terminated|not queryable|timeout exceeded when trying to connect|Connection ended unexpectedly|Client was closed/i;

export function isConnectionFailure(error: unknown): boolean {
  if (error instanceof DatabaseUnavailable) return true;
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && (CONNECTION_ERROR_CODES.has(code) || TRANSIENT_CLASSES.some((c) => code.startsWith(c)))) return true;
  return CONNECTION_ERROR_MESSAGES.test(error.message);
}

/** A short description of a failure for logs: the driver's code, never a statement or its parameters. */
export function failureReason(error: unknown): string {
  if (error instanceof DatabaseUnavailable) return error.reason;
  const code = (error as { code?: unknown })?.code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === "string" ? `${code}: ${message}` : message;
}

export interface ConnectionStateOptions {
  /** Resolves when a fresh connection to the server works. */
  probe(): Promise<void>;
  onDown?(reason: string): void;
  onUp?(downForMs: number): void;
  /** First retry delay of the probe; doubles up to maxDelayMs. */
  minDelayMs?: number;
  maxDelayMs?: number;
}

export class ConnectionState {
  private down?: { since: number; reason: string };
  private probing = false;
  private closed = false;
  private timer?: NodeJS.Timeout;

  constructor(private readonly options: ConnectionStateOptions) {}

  get available(): boolean {
    return !this.down;
  }

  /** Throws DatabaseUnavailable while the server is known to be down. */
  check(): void {
    if (this.down) throw new DatabaseUnavailable(this.down.reason);
  }

  /**
   * Classifies a failure of a real call: a connection failure is rethrown as DatabaseUnavailable and starts
   * a probe (one dropped connection is not an outage: the probe decides); any other error is returned as is.
   */
  translate(error: unknown): unknown {
    if (!isConnectionFailure(error)) return error;
    const reason = failureReason(error);
    this.startProbing(reason);
    return error instanceof DatabaseUnavailable ? error : new DatabaseUnavailable(reason);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private startProbing(reason: string): void {
    if (this.probing || this.closed) return;
    this.probing = true;
    const { minDelayMs = 100, maxDelayMs = 1000 } = this.options;
    const attempt = (delayMs: number) => {
      this.options.probe().then(
        () => {
          this.probing = false;
          const was = this.down;
          this.down = undefined;
          if (was) this.options.onUp?.(Date.now() - was.since);
        },
        (error: unknown) => {
          if (!this.down) {
            this.down = { since: Date.now(), reason: failureReason(error) || reason };
            this.options.onDown?.(this.down.reason);
          }
          if (this.closed) return;
          this.timer = setTimeout(() => attempt(Math.min(delayMs * 2, maxDelayMs)), delayMs);
          this.timer.unref();
        },
      );
    };
    attempt(minDelayMs);
  }
}
