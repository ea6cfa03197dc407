/**
 * The event store on PostgreSQL, through the `Database` interface: a real server or PGlite in-process.
 *
 * Global order is commit order without gaps a reader could skip (the technique of Emmett): every event
 * row carries the id of the transaction that wrote it, and readers only see rows of transactions older
 * than the oldest one still running (`pg_snapshot_xmin`). A transaction that started earlier but commits
 * later therefore holds readers back instead of being overtaken. Readers must not hold an xid themselves,
 * so reads run outside any write transaction.
 */
import { randomUUID } from "node:crypto";
import type { Database } from "../db/database.js";
import {
  START,
  WrongExpectedRevision,
  type AppendResult,
  type EventMetadata,
  type EventStore,
  type EventToAppend,
  type ExpectedRevision,
  type FactAppend,
  type Position,
  type ReadAllOptions,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
} from "./port.js";
import { Announcer, APPEND_CHANNEL, Listener } from "./postgres-notifications.js";
import { migrateEventStoreSchema } from "./postgres-schema.js";
import { startPollingSubscription, type EventsPage, type PollingSource } from "./polling-subscription.js";
import { RecentEvents } from "./recent-events.js";
import { SameTickReads } from "./same-tick-reads.js";
import { Wakeup } from "./wakeup.js";

export interface PostgresEventStoreOptions {
  /**
   * Connection string for a dedicated LISTEN connection, so that subscribers wake promptly on appends made
   * by other processes (real PostgreSQL only). Without it they see those appends at the next poll.
   */
  notificationsUrl?: string;
  /** Subscribers re-read at least this often when nothing woke them. Default 1000 ms. */
  pollIntervalMs?: number;
  /** Most events a subscriber is handed at once. Default 500. */
  batchSize?: number;
}

/** Some of the events were already in the stream and some not: not a retry of one append, nor a new one. */
export class PartlyAppendedBefore extends Error {
  constructor(readonly stream: string) {
    super(`stream ${stream}: some of these events were appended before, others not`);
    this.name = "PartlyAppendedBefore";
  }
}

const HORIZON_RETRY_MS = 10;
/** How long a read of the whole log waits for transactions that were open when it was asked for. */
const SETTLE_DEADLINE_MS = 1000;

const EVENT_COLUMNS = `event_id::text as id, stream_name, stream_revision::text as revision,
  transaction_id::text as commit_position, global_position::text as prepare_position,
  event_type, data, metadata, recorded_at`;

/** Transactions below this one have all ended: rows below it are final and none can appear among them. */
const VISIBLE = "transaction_id < pg_snapshot_xmin(pg_current_snapshot())";

/**
 * The events after a position that readers may see (at most $3; null: all), in one statement with whether,
 * when there are fewer than $3, committed events after the last of them are held back by an older open
 * transaction: one snapshot answers both. Without events the answer is one row of nulls with that flag. The
 * flag's probe is a scalar subquery with `order by ... limit 1`, a probe of the primary key: as `exists (...)`
 * the planner expects a third of the table to match and scans it whole, which grows with the log (13 ms at
 * 8,000 events). The probe starts after the page's last event (`tail`), or after the position for no events.
 */
export const READ_AFTER = `with page as materialized (
    select ${EVENT_COLUMNS}, transaction_id, global_position from eventstore_events
     where (transaction_id, global_position) > ($1::xid8, $2::bigint) and ${VISIBLE}
     order by transaction_id, global_position limit $3::bigint),
  tail as materialized (
    select tx, gp from (select transaction_id as tx, global_position as gp from page
                        union all select $1::xid8, $2::bigint) ends
     order by tx desc, gp desc limit 1)
  select page.*, held.back as held_back
    from (select (select count(*) from page) < $3::bigint and (select transaction_id from eventstore_events
            where (transaction_id, global_position) > ((select tx from tail), (select gp from tail))
            order by transaction_id, global_position limit 1) is not null as back) held
    left join page on true
   order by page.transaction_id, page.global_position`;

interface EventRow {
  id: string;
  stream_name: string;
  revision: string;
  commit_position: string;
  prepare_position: string;
  event_type: string;
  data: Record<string, unknown>;
  metadata: EventMetadata;
  recorded_at: Date | string;
}

interface AppendRow {
  outcome: "appended" | "appended_before" | "partly_appended_before" | "wrong_expected_revision";
  revision: string | null;
  commit_position: string | null;
  prepare_position: string | null;
}

function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    id: row.id,
    stream: row.stream_name,
    revision: BigInt(row.revision),
    position: { commit: BigInt(row.commit_position), prepare: BigInt(row.prepare_position) },
    type: row.event_type,
    data: row.data,
    metadata: row.metadata,
    recordedAt: new Date(row.recorded_at),
  };
}

/** xid8 has no negative values; START sorts before every real transaction id anyway. */
function positionParams(after: Position): [string, string] {
  return [(after.commit < 0n ? 0n : after.commit).toString(), after.prepare.toString()];
}

function expectedParam(expected: ExpectedRevision): string {
  return typeof expected === "bigint" ? expected.toString() : expected;
}

class PostgresEventStore implements EventStore, PollingSource {
  readonly engine: string;
  private readonly subscriptions = new Set<Subscription>();
  private readonly sameTick = new SameTickReads();
  private readonly recent = new RecentEvents();

  constructor(
    private readonly db: Database,
    private readonly settings: { pollIntervalMs: number; batchSize: number },
    private readonly wakeup: Wakeup,
    private readonly announcer: Announcer | undefined,
    private readonly listener: Listener | undefined,
  ) {
    this.engine = db.engine;
  }

  async append(stream: string, events: EventToAppend[], expected: ExpectedRevision): Promise<AppendResult> {
    if (events.length === 0) throw new Error(`stream ${stream}: nothing to append`);
    const payload = events.map((e) => ({ id: e.id, type: e.type, data: e.data, metadata: e.metadata }));
    const { rows } = await this.db.query<AppendRow>(
      "select * from eventstore_append($1, $2::jsonb, $3)",
      [stream, JSON.stringify(payload), expectedParam(expected)],
    );
    const row = rows[0];
    switch (row.outcome) {
      case "wrong_expected_revision":
        throw new WrongExpectedRevision(stream, expected, row.revision === null ? "no_stream" : BigInt(row.revision));
      case "partly_appended_before":
        throw new PartlyAppendedBefore(stream);
      case "appended":
        this.wakeup.ring();
        this.announcer?.announce();
        break;
      case "appended_before":
        break;
    }
    return {
      nextRevision: BigInt(row.revision!),
      position: { commit: BigInt(row.commit_position!), prepare: BigInt(row.prepare_position!) },
    };
  }

  async appendFacts(appends: FactAppend[]): Promise<AppendResult[]> {
    if (appends.length === 0) return [];
    for (const { stream, events } of appends) {
      if (events.length === 0) throw new Error(`stream ${stream}: nothing to append`);
    }
    const payload = appends.map(({ stream, events }) => ({
      stream, events: events.map((e) => ({ id: e.id, type: e.type, data: e.data, metadata: e.metadata })),
    }));
    const { rows } = await this.db.query<AppendRow & { idx: number }>(
      "select * from eventstore_append_facts($1::jsonb)", [JSON.stringify(payload)]);
    const results: AppendResult[] = new Array(appends.length);
    for (const row of rows) {
      if (row.outcome === "partly_appended_before") throw new PartlyAppendedBefore(appends[row.idx].stream);
      results[row.idx] = {
        nextRevision: BigInt(row.revision!),
        position: { commit: BigInt(row.commit_position!), prepare: BigInt(row.prepare_position!) },
      };
    }
    if (rows.some((row) => row.outcome === "appended")) {
      this.wakeup.ring();
      this.announcer?.announce();
    }
    return results;
  }

  async readStream(stream: string, fromRevision = 0n): Promise<RecordedEvent[]> {
    const { rows } = await this.db.query<EventRow>(
      `select ${EVENT_COLUMNS} from eventstore_events
        where stream_name = $1 and stream_revision >= $2::bigint order by stream_revision`,
      [stream, fromRevision.toString()],
    );
    return rows.map(toRecordedEvent);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    // A read of everything after a point includes what committed before the call; a page need not wait.
    if (options.limit === undefined) await this.settle(SETTLE_DEADLINE_MS);
    return (await this.page(options.after ?? START, options.limit, { remember: false })).events;
  }

  /**
   * A subscriber's next batch: from the events this process read lately when it holds them (possibly fewer
   * than `limit`; the subscriber asks again from the last one), else from the log. Subscribers share what
   * they get and must not modify it.
   */
  async readAfter(after: Position, limit: number): Promise<EventsPage> {
    const recent = this.recent.after(after, limit);
    return recent ? { events: recent, heldBack: false, complete: false } : this.page(after, limit, { remember: true });
  }

  /**
   * Reads asked for in the same tick share one query. Only the pages of live subscribers join the recent
   * events: a lag probe of `status()`, a replay or a rebuild reads far behind them, and its page would replace
   * the run the live subscribers are answered from.
   */
  private page(after: Position, limit: number | undefined, { remember }: { remember: boolean }): Promise<EventsPage> {
    return this.sameTick.read(`${remember ? "live" : "other"}:${after.commit}/${after.prepare}/${limit}`, async () => {
      const { rows } = await this.db.query<Partial<EventRow> & { held_back: boolean }>(READ_AFTER,
        [...positionParams(after), limit === undefined ? null : String(limit)]);
      // No events: one row of nulls, with the flag.
      const events = rows[0]?.id == null ? [] : (rows as EventRow[]).map(toRecordedEvent);
      if (remember) this.recent.record(after, events);
      // Fewer than asked for: every event this snapshot could show after `after`.
      return { events, heldBack: rows[0]?.held_back ?? false, complete: limit !== undefined && events.length < limit };
    });
  }

  /**
   * Waits until every transaction that was running when it was called has ended (so whatever committed
   * before the call is visible), for at most `deadlineMs`. Readers otherwise stop at the oldest open
   * transaction, which can hide events committed a moment earlier by a later one.
   */
  private async settle(deadlineMs: number): Promise<void> {
    if (this.db.engine !== "postgres") return; // PGlite runs one transaction at a time
    const { rows: [{ xmax }] } = await this.db.query<{ xmax: string }>(
      "select pg_snapshot_xmax(pg_current_snapshot())::text as xmax");
    const deadline = performance.now() + deadlineMs;
    while (performance.now() < deadline) {
      const { rows: [{ ended }] } = await this.db.query<{ ended: boolean }>(
        "select pg_snapshot_xmin(pg_current_snapshot()) >= $1::xid8 as ended", [xmax]);
      if (ended) return;
      await new Promise((resolve) => setTimeout(resolve, HORIZON_RETRY_MS));
    }
  }

  async headPosition(): Promise<Position> {
    // The newest event committed before the call: one whose transaction commits after an older one still open
    // is not readable yet, so the head waits (as readAll does) for the transactions open now to end.
    await this.settle(SETTLE_DEADLINE_MS);
    const { rows } = await this.db.query<{ commit_position: string; prepare_position: string }>(
      `select transaction_id::text as commit_position, global_position::text as prepare_position
         from eventstore_events where ${VISIBLE}
        order by transaction_id desc, global_position desc limit 1`,
    );
    if (rows.length === 0) return START;
    return { commit: BigInt(rows[0].commit_position), prepare: BigInt(rows[0].prepare_position) };
  }

  subscribeToAll(options: SubscribeOptions): Subscription {
    const source: PollingSource = options.asStored
      ? { readAfter: (after, limit) => this.page(after, limit, { remember: false }) }
      : this;
    const running = startPollingSubscription(
      source,
      { wakeup: this.wakeup, horizonRetryMs: HORIZON_RETRY_MS, ...this.settings },
      options,
    );
    const subscription: Subscription = {
      stop: async () => {
        this.subscriptions.delete(subscription);
        await running.stop();
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** Stops the subscriptions and the listener. The database belongs to the caller and stays open. */
  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    await this.listener?.close();
    await this.announcer?.settle();
  }
}

/** Creates the schema when needed and returns the store. */
export async function createPostgresEventStore(
  db: Database,
  options: PostgresEventStoreOptions = {},
): Promise<EventStore> {
  await migrateEventStoreSchema(db);
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const wakeup = new Wakeup();
  // This store rings its own doorbell when its appends commit: the echo of its own NOTIFY is skipped.
  const sender = randomUUID();
  const listener = options.notificationsUrl
    ? await Listener.start(options.notificationsUrl, {
      [APPEND_CHANNEL]: (from) => {
        if (from !== sender) wakeup.ring();
      },
    }, { connected: () => wakeup.ring(), reconnectDelayMs: pollIntervalMs })
    : undefined;
  return new PostgresEventStore(
    db,
    { pollIntervalMs, batchSize: options.batchSize ?? 500 },
    wakeup,
    // PGlite lives in this process only: nobody else could hear a notification.
    db.engine === "postgres" ? new Announcer(db, APPEND_CHANNEL, sender) : undefined,
    listener,
  );
}
