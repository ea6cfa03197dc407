/**
 * Cross-process wake-ups for the PostgreSQL event store: appenders NOTIFY after their appends commit, and
 * a dedicated connection LISTENs and rings the local doorbell.
 *
 * The NOTIFY is sent after the append, not inside it: a transaction that notifies takes a cluster-wide
 * lock until it commits, which would serialise every append. One notification covers a burst of appends.
 */
import pg from "pg";
import type { Queryable } from "../db/database.js";
import type { Wakeup } from "./wakeup.js";

export const APPEND_CHANNEL = "eventstore_appended";

/** Sends at most one NOTIFY at a time; appends made while one is in flight are covered by one more. */
export class AppendAnnouncer {
  private inFlight: Promise<void> | undefined;
  private pending = false;

  constructor(private readonly db: Queryable) {}

  announce(): void {
    this.pending = true;
    this.inFlight ??= this.drain();
  }

  /** Waits for the notification in flight, so that the database can be closed behind it. */
  async settle(): Promise<void> {
    await this.inFlight;
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending) {
        this.pending = false;
        // A lost notification only delays other processes until their poll: never fail an append for it.
        await this.db.query(`select pg_notify('${APPEND_CHANNEL}', '')`).catch(() => {});
      }
    } finally {
      this.inFlight = undefined;
    }
  }
}

/** A LISTEN connection that rings `wakeup` on every notification, and reconnects when it drops. */
export class AppendListener {
  private client: pg.Client | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(
    private readonly connectionString: string,
    private readonly wakeup: Wakeup,
    private readonly reconnectDelayMs: number,
  ) {}

  /** Fails when the first connection cannot be made: a wrong connection string should be seen at start. */
  static async start(connectionString: string, wakeup: Wakeup, reconnectDelayMs: number): Promise<AppendListener> {
    const listener = new AppendListener(connectionString, wakeup, reconnectDelayMs);
    await listener.connect();
    return listener;
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionString, application_name: "keyledger-listen" });
    client.on("notification", () => this.wakeup.ring());
    client.on("error", () => this.dropped(client));
    client.on("end", () => this.dropped(client));
    try {
      await client.connect();
      await client.query(`listen ${APPEND_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    this.client = client;
    if (this.closed) await client.end();
    // Events may have landed while we were not listening.
    this.wakeup.ring();
  }

  private dropped(client: pg.Client): void {
    if (this.client !== client || this.closed) return;
    this.client = undefined;
    client.end().catch(() => {});
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.closed) this.connect().catch(() => this.scheduleReconnect());
    }, this.reconnectDelayMs);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end();
  }
}
