/**
 * Cross-process wake-ups on PostgreSQL: a process NOTIFYs when its work committed (appends to the event store
 * here; read models' batches in src/app/read-model-notifications.ts), and a dedicated connection in every
 * process LISTENs and wakes whoever waits.
 *
 * Appends NOTIFY after their commit, not inside the transaction: a transaction that notifies takes a
 * cluster-wide lock until it commits, which would serialise every append. One notification covers a burst.
 * Notifications carry nothing but, where the sender asks, a random id of its own: a woken process reads what
 * changed, so a lost one only delays it until its poll, and a process that already woke itself for its own
 * work skips its echo (under load an append store's echo cost a read of the log per fact batch; issue 12).
 */
import pg from "pg";
import type { Queryable } from "../db/database.js";

/** New events in the log: subscriptions read on. */
export const APPEND_CHANNEL = "eventstore_appended";

/** Sends at most one NOTIFY at a time on its channel; what happens while one is in flight is covered by one more. */
export class Announcer {
  private inFlight: Promise<void> | undefined;
  private pending = false;

  /** `sender`: the payload, for listeners in the same process to know their own notifications by. */
  constructor(private readonly db: Queryable, private readonly channel: string, private readonly sender = "") {}

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
        // A lost notification only delays other processes until their poll: never fail the work for it.
        await this.db.query("select pg_notify($1, $2)", [this.channel, this.sender]).catch(() => {});
      }
    } finally {
      this.inFlight = undefined;
    }
  }
}

/** Called with a notification's payload (its sender's id, or empty). */
export type NotificationHandler = (payload: string) => void;

/**
 * A LISTEN connection that calls a channel's handler on each of its notifications, and reconnects when it
 * drops. It calls `connected` on each (re)connection: notifications may have been sent while nobody listened.
 */
export class Listener {
  private client: pg.Client | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(
    private readonly connectionString: string,
    private readonly handlers: Readonly<Record<string, NotificationHandler>>,
    private readonly connected: () => void,
    private readonly reconnectDelayMs: number,
  ) {}

  /** Fails when the first connection cannot be made: a wrong connection string should be seen at start. */
  static async start(connectionString: string, handlers: Readonly<Record<string, NotificationHandler>>,
    options: { connected: () => void; reconnectDelayMs: number }): Promise<Listener> {
    const listener = new Listener(connectionString, handlers, options.connected, options.reconnectDelayMs);
    await listener.connect();
    return listener;
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionString, application_name: "keyledger-listen" });
    client.on("notification", (message) => this.handlers[message.channel]?.(message.payload ?? ""));
    client.on("error", () => this.dropped(client));
    client.on("end", () => this.dropped(client));
    try {
      await client.connect();
      // Channel names are our constants, not input.
      await client.query(Object.keys(this.handlers).map((channel) => `listen ${channel};`).join(" "));
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    this.client = client;
    if (this.closed) await client.end();
    this.connected();
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
