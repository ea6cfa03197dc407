/**
 * Reading the event log in tests through the event store port (never its tables), so the checks hold on
 * every adapter: what was appended since a point, and the text of every stored event for leak scans.
 */
import { expect } from "chai";
import { comparePositions, streamCategory, type EventStore, type Position, type RecordedEvent } from "../../src/eventstore/port.js";

export interface EventFilter {
  stream?: string;
  /** The stream category (`share` for `share-<id>`). */
  category?: string;
  type?: string;
  /** Keeps the events whose data this returns true for. */
  where?(data: Record<string, any>): boolean;
}

function matches(event: RecordedEvent, filter: EventFilter): boolean {
  return (filter.stream === undefined || event.stream === filter.stream)
    && (filter.category === undefined || streamCategory(event.stream) === filter.category)
    && (filter.type === undefined || event.type === filter.type)
    && (filter.where === undefined || filter.where(event.data));
}

/** The stored events (in global order) that match the filter; one stream's are read from that stream alone. */
export async function storedEvents(store: EventStore, filter: EventFilter = {}): Promise<RecordedEvent[]> {
  const events = filter.stream !== undefined ? await store.readStream(filter.stream) : await store.readAll();
  return events.filter((event) => matches(event, filter));
}

/** Each stored event's data and metadata as JSON text: what a scan for leaked plaintext looks through. */
export async function storedEventTexts(store: EventStore, filter: EventFilter = {}): Promise<string[]> {
  return (await storedEvents(store, filter)).map((event) => JSON.stringify(event.data) + JSON.stringify(event.metadata));
}

/** A point in the log: the events appended after it are the new ones. */
export interface EventLogMark {
  readonly after: Position;
  /** The events appended since the mark that match the filter, in global order. */
  newEvents(filter?: EventFilter): Promise<RecordedEvent[]>;
}

/** Marks the log's current head (take it before the action whose events a test checks). */
export async function markEventLog(store: EventStore): Promise<EventLogMark> {
  const after = await store.headPosition();
  return {
    after,
    async newEvents(filter = {}) {
      const events = await store.readAll({ after });
      return events.filter((event) => comparePositions(event.position, after) > 0 && matches(event, filter));
    },
  };
}

export interface ExpectedEvent {
  type: string;
  stream?: string;
  /** Fields the event's data must hold (deep equality per field; other fields are not checked). */
  data?: Record<string, unknown>;
}

/**
 * Asserts that exactly these events (of the filtered kinds) were appended since the mark, in this order,
 * and returns them for further checks.
 */
export async function expectNewEvents(mark: EventLogMark, expected: ExpectedEvent[], filter: EventFilter = {}):
  Promise<RecordedEvent[]> {
  const events = await mark.newEvents(filter);
  const shown = JSON.stringify(events.map((e) => ({ type: e.type, stream: e.stream, data: e.data })));
  expect(events.map((e) => e.type), shown).to.deep.equal(expected.map((e) => e.type));
  events.forEach((event, i) => {
    const { stream, data } = expected[i];
    if (stream !== undefined) expect(event.stream, shown).to.equal(stream);
    if (data !== undefined) expect(event.data, shown).to.deep.include(data);
  });
  return events;
}
