/**
 * The event store port. Every adapter (EventStoreDB, PostgreSQL, PGlite) implements it and passes the
 * shared contract suite in test/eventstore/contract.ts.
 */

/**
 * A place in the global order. Mirrors EventStoreDB's {commit, prepare} pair: the PostgreSQL adapter uses
 * (transaction id, sequence number), so that global order is commit order with no gaps a reader can skip.
 * Compare with `comparePositions`, never field by field.
 */
export interface Position {
  readonly commit: bigint;
  readonly prepare: bigint;
}

export const START: Position = Object.freeze({ commit: -1n, prepare: -1n });

export function comparePositions(a: Position, b: Position): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

/** Text form used in checkpoints, logs and HTTP headers: "commit/prepare". */
export function formatPosition(p: Position): string {
  return `${p.commit}/${p.prepare}`;
}

export function parsePosition(text: string): Position {
  const match = /^(-?\d+)\/(-?\d+)$/.exec(text);
  if (!match) throw new Error(`not a position: ${text}`);
  return { commit: BigInt(match[1]), prepare: BigInt(match[2]) };
}

/** What a stream must look like for an append to go through. */
export type ExpectedRevision = "any" | "no_stream" | "stream_exists" | bigint;

/** Who did it, from where, and why: carried by every event. */
export interface EventMetadata {
  actor?: { type: string; id: string };
  org_id?: string;
  request_id?: string;
  client_ip?: string;
  user_agent?: string;
  correlation_id?: string;
  causation_id?: string;
  occurred_at?: string;
  [key: string]: unknown;
}

export interface EventToAppend {
  /** Re-appending an event with an id the stream already holds is a no-op (idempotent retries). */
  id: string;
  type: string;
  data: Record<string, unknown>;
  metadata?: EventMetadata;
}

export interface RecordedEvent {
  id: string;
  stream: string;
  /** 0-based position of the event in its stream. */
  revision: bigint;
  position: Position;
  type: string;
  data: Record<string, unknown>;
  metadata: EventMetadata;
  recordedAt: Date;
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
  /** Events of all streams in global order. */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Position of the newest event, or START when the store is empty. */
  headPosition(): Promise<Position>;
  /** Catch-up subscription to all events: first the history after `after`, then new events as they land. */
  subscribeToAll(options: SubscribeOptions): Subscription;
  close(): Promise<void>;
}

/** The stream's revision was not what the caller expected (optimistic concurrency). */
export class WrongExpectedRevision extends Error {
  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    readonly actual: bigint | "no_stream",
  ) {
    super(`stream ${stream}: expected revision ${String(expected)}, actual ${String(actual)}`);
    this.name = "WrongExpectedRevision";
  }
}

/** The store did not answer within our own deadline. */
export class EventStoreUnavailable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "EventStoreUnavailable";
  }
}

/** Stream names are `category-<uuid>`; the category has no `-` so it can be parsed back. */
export function streamName(category: string, id: string): string {
  if (!/^[a-z][a-z0-9_]*$/.test(category)) throw new Error(`bad stream category: ${category}`);
  return `${category}-${id}`;
}

export function streamCategory(stream: string): string {
  const dash = stream.indexOf("-");
  return dash < 0 ? stream : stream.slice(0, dash);
}
