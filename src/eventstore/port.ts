/**
 * The event store port. Every adapter (EventStoreDB, PostgreSQL, PGlite) implements it and passes the
 * shared contract suite in test/eventstore/contract.ts.
 */

import { Conflict, Unavailable } from "../../commands/errors.js";
import type { EventMetadata, Position, RecordedEvent } from "../../events/recorded.js";

// The vocabulary of recorded events belongs to the domain (events/recorded.ts); the port speaks it.
export {
  comparePositions, formatPosition, parsePosition, START, streamCategory, streamName,
  type EventMetadata, type Position, type RecordedEvent,
} from "../../events/recorded.js";

/** What a stream must look like for an append to go through. */
export type ExpectedRevision = "any" | "no_stream" | "stream_exists" | bigint;

export interface EventToAppend {
  /** Re-appending an event with an id the stream already holds is a no-op (idempotent retries). */
  id: string;
  type: string;
  data: Record<string, unknown>;
  metadata?: EventMetadata;
}

export interface AppendResult {
  /** The stream's revision after the append (that of its last event). */
  nextRevision: bigint;
  /** Global position of the last appended event. */
  position: Position;
}

export interface ReadAllOptions {
  /** Exclusive: events strictly after this position. Defaults to the start. */
  after?: Position;
  /** Most events to return. */
  limit?: number;
}

export interface Subscription {
  /** Stops delivery and waits for the handler that is running, if any. */
  stop(): Promise<void>;
}

export interface SubscribeOptions {
  /** Exclusive: deliver events strictly after this position. Defaults to the start. */
  after?: Position;
  /** Called with each batch, in global order. The next batch waits until the promise settles. */
  onEvents(events: RecordedEvent[]): Promise<void>;
  onError?(error: unknown): void;
  /**
   * Read every event as stored, never from the events this process read lately (a rebuild: it re-derives a
   * read model from what the log holds now, which is what tells an altered event from the signed audit head).
   */
  asStored?: boolean;
}

/** Events for one stream, appended with expected revision "any" (facts that need no decision). */
export interface FactAppend {
  stream: string;
  events: EventToAppend[];
}

export interface EventStore {
  /** Which engine this is, for logs and health ("postgres", "pglite", "eventstoredb"). */
  readonly engine: string;
  append(stream: string, events: EventToAppend[], expected: ExpectedRevision): Promise<AppendResult>;
  /**
   * Appends facts to several streams at once, results in the order given. The PostgreSQL store commits them
   * in one transaction (one round trip, one commit: how concurrent audit records share a disk flush);
   * EventStoreDB appends them stream by stream. Idempotent per event id, like append.
   */
  appendFacts(appends: FactAppend[]): Promise<AppendResult[]>;
  /** Events of one stream in order, from a revision (inclusive). An absent stream reads as []. */
  readStream(stream: string, fromRevision?: bigint): Promise<RecordedEvent[]>;
  /**
   * Events of all streams in global order. Without a limit, every event committed before the call is in the
   * answer; a page (with a limit) may stop short of events that committed while an older write was open.
   */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Position of the newest event committed before the call, or START when the store is empty. */
  headPosition(): Promise<Position>;
  /** Catch-up subscription to all events: first the history after `after`, then new events as they land. */
  subscribeToAll(options: SubscribeOptions): Subscription;
  close(): Promise<void>;
}

/** What services may do with the store: read. Appending is the command bus's alone. */
export type EventReads = Pick<EventStore, "readStream" | "readAll" | "headPosition">;

/** The stream's revision was not what the caller expected (optimistic concurrency). */
export class WrongExpectedRevision extends Conflict {
  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    readonly actual: bigint | "no_stream",
  ) {
    super(`stream ${stream}: expected revision ${String(expected)}, actual ${String(actual)}`,
      { detail: "the resource was changed by a concurrent request; retry" });
    this.name = "WrongExpectedRevision";
  }
}

/** The store did not answer within our own deadline. */
export class EventStoreUnavailable extends Unavailable {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { ...options, detail: "the event store is not answering; retry later" });
    this.name = "EventStoreUnavailable";
  }
}

