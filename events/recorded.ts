/**
 * What a fact looks like once it is in the log: its place in the global order, its stream and revision,
 * its metadata, and when it took effect. The domain reads events in this shape; the event store port
 * (src/eventstore/port.ts) stores and returns them.
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

/** When a fact took effect: the decision's time (`occurred_at`, stamped by the command bus), else when it was recorded. */
export function occurredAt(event: RecordedEvent): Date {
  const occurred = event.metadata.occurred_at;
  return typeof occurred === "string" ? new Date(occurred) : event.recordedAt;
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
