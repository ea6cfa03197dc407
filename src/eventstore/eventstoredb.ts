/**
 * The event store on EventStoreDB (`@eventstore/db-client`). Thin: maps revisions, positions and errors to
 * the port, hides system events (`$...`), and bounds every call by our own deadline.
 */
import { createRequire } from "node:module";
import type * as EventStoreDbClientLibrary from "@eventstore/db-client";
import type {
  AllStreamResolvedEvent,
  AppendExpectedRevision,
  EventStoreDBClient,
  ResolvedEvent,
  StreamingRead,
} from "@eventstore/db-client";
import { withDeadline } from "./deadline.js";
import {
  START,
  EventStoreUnavailable,
  WrongExpectedRevision,
  comparePositions,
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

type Esdb = typeof EventStoreDbClientLibrary;
const require = createRequire(import.meta.url);
/**
 * The client library, loaded when a store is first created: it is the heaviest module a server could load (gRPC
 * and protobuf), and only installations on EventStoreDB use it. Every use below runs on a created store.
 */
let esdb: Esdb;

export interface EventStoreDbOptions {
  /** e.g. `esdb://localhost:2113?tls=false` */
  connectionString: string;
  /** Longest any call may take before it fails with EventStoreUnavailable. Default 5000 ms. */
  deadlineMs?: number;
}

/** The client's ways of saying the server did not answer; other errors pass through as they are. */
const unreachable = (error: unknown) => [esdb.UnavailableError, esdb.DeadlineExceededError, esdb.TimeoutError, esdb.CancelledError,
  esdb.NotLeaderError].some((type) => error instanceof type);

/** Raw events fetched per page when reading $all (system events are filtered out of each page). */
const PAGE_SIZE = 500;

function toExpectedVersion(expected: ExpectedRevision): AppendExpectedRevision {
  switch (expected) {
    case "any":
      return esdb.ANY;
    case "no_stream":
      return esdb.NO_STREAM;
    case "stream_exists":
      return esdb.STREAM_EXISTS;
    default:
      return expected;
  }
}

function isUserEvent(resolved: ResolvedEvent | AllStreamResolvedEvent): boolean {
  const event = resolved.event;
  return event !== undefined && !event.type.startsWith("$") && !event.streamId.startsWith("$");
}

function toRecordedEvent(resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent {
  const event = resolved.event!;
  if (!event.position) throw new Error(`event ${event.id} was read without its position`);
  return {
    id: event.id,
    stream: event.streamId,
    revision: event.revision,
    position: { commit: event.position.commit, prepare: event.position.prepare },
    type: event.type,
    data: event.data as Record<string, unknown>,
    metadata: (event.metadata ?? {}) as EventMetadata,
    recordedAt: event.created,
  };
}

async function collect<E>(read: StreamingRead<E>): Promise<E[]> {
  const items: E[] = [];
  for await (const item of read) items.push(item);
  return items;
}

class EventStoreDbStore implements EventStore {
  readonly engine = "eventstoredb";
  private readonly subscriptions = new Set<Subscription>();

  constructor(
    private readonly client: EventStoreDBClient,
    private readonly deadlineMs: number,
  ) {}

  private bounded<T>(what: string, work: Promise<T>, onTimeout?: () => void): Promise<T> {
    return withDeadline(what, this.deadlineMs, work, onTimeout).catch((error: unknown) => {
      throw unreachable(error)
        ? new EventStoreUnavailable(`EventStoreDB ${what}: server unreachable`, { cause: error })
        : error;
    });
  }

  private boundedRead<E>(what: string, read: StreamingRead<E>): Promise<E[]> {
    return this.bounded(what, collect(read), () => void read.cancel().catch(() => {}));
  }

  /** EventStoreDB has no multi-stream append in this client: the facts go stream by stream, concurrently. */
  appendFacts(appends: FactAppend[]): Promise<AppendResult[]> {
    return Promise.all(appends.map(({ stream, events }) => this.append(stream, events, "any")));
  }

  async append(stream: string, events: EventToAppend[], expected: ExpectedRevision): Promise<AppendResult> {
    if (events.length === 0) throw new Error(`stream ${stream}: nothing to append`);
    const data = events.map((e) =>
      esdb.jsonEvent({ id: e.id, type: e.type, data: e.data, metadata: e.metadata ?? {} }),
    );
    try {
      const result = await this.bounded(
        "append",
        this.client.appendToStream(stream, data, { expectedRevision: toExpectedVersion(expected) }),
      );
      if (!result.position) throw new EventStoreUnavailable(`EventStoreDB append to ${stream} returned no position`);
      return { nextRevision: result.nextExpectedRevision, position: result.position };
    } catch (error) {
      if (error instanceof esdb.WrongExpectedVersionError) {
        throw new WrongExpectedRevision(stream, expected, error.actualVersion);
      }
      throw error;
    }
  }

  async readStream(stream: string, fromRevision = 0n): Promise<RecordedEvent[]> {
    try {
      const events = await this.boundedRead(
        "readStream",
        this.client.readStream(stream, { fromRevision, direction: esdb.FORWARDS }),
      );
      return events.filter(isUserEvent).map(toRecordedEvent);
    } catch (error) {
      if (error instanceof esdb.StreamNotFoundError) return [];
      throw error;
    }
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    const found: RecordedEvent[] = [];
    let after = options.after ?? START;
    while (found.length < limit) {
      const fromPosition = comparePositions(after, START) === 0 ? esdb.START : after;
      const page = await this.boundedRead(
        "readAll",
        this.client.readAll({ fromPosition, direction: esdb.FORWARDS, maxCount: PAGE_SIZE }),
      );
      // `fromPosition` is inclusive: drop what is not strictly after.
      const fresh = page.filter((e) => e.event && comparePositions(e.event.position, after) > 0);
      for (const resolved of fresh) {
        if (found.length < limit && isUserEvent(resolved)) found.push(toRecordedEvent(resolved));
      }
      if (page.length < PAGE_SIZE || fresh.length === 0) break;
      after = fresh[fresh.length - 1].event!.position;
    }
    return found;
  }

  async headPosition(): Promise<Position> {
    let before: Position | typeof esdb.END = esdb.END;
    for (;;) {
      const page: AllStreamResolvedEvent[] = await this.boundedRead(
        "headPosition",
        this.client.readAll({ fromPosition: before, direction: esdb.BACKWARDS, maxCount: PAGE_SIZE }),
      );
      const newest = page.find(isUserEvent);
      if (newest) return toRecordedEvent(newest).position;
      const last = page.at(-1)?.event;
      if (page.length < PAGE_SIZE || !last) return START;
      before = last.position;
    }
  }

  subscribeToAll(options: SubscribeOptions): Subscription {
    const after = options.after ?? START;
    const source = this.client.subscribeToAll({
      fromPosition: comparePositions(after, START) === 0 ? esdb.START : after,
      filter: esdb.excludeSystemEvents(),
    });
    let stopping = false;
    // One event per batch: the live feed gives no cheap way to see how many more are already buffered.
    const finished = (async () => {
      for await (const resolved of source) {
        if (stopping) break;
        if (!isUserEvent(resolved) || comparePositions(resolved.event!.position, after) <= 0) continue;
        await options.onEvents([toRecordedEvent(resolved)]);
      }
    })().catch((error: unknown) => {
      if (stopping) return;
      void source.unsubscribe().catch(() => {});
      options.onError?.(error);
    });
    const subscription: Subscription = {
      stop: async () => {
        stopping = true;
        this.subscriptions.delete(subscription);
        await withDeadline("unsubscribe", this.deadlineMs, source.unsubscribe()).catch(() => {});
        await finished;
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    await withDeadline("dispose", this.deadlineMs, this.client.dispose());
  }
}

export function createEventStoreDbStore(options: EventStoreDbOptions): EventStore {
  esdb ??= require("@eventstore/db-client") as Esdb;
  return new EventStoreDbStore(esdb.EventStoreDBClient.connectionString(options.connectionString), options.deadlineMs ?? 5000);
}
