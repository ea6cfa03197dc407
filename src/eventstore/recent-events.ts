/**
 * The newest events this process read from the log, kept as one gapless run, so that subscribers that ask
 * for events it already holds are answered from memory. Every subscription of a store (each projection,
 * the caches) reads the same events, but at its own pace, so without it each event is fetched and parsed
 * several times (3.7 on average under read load, issue 12).
 *
 * Correct because a read of the events after a position answers all of them up to some point with none
 * missing (the store's horizon), and nothing can later appear in between: so the run stays gapless when a
 * read that starts inside it is appended, and any position inside it can be answered from it.
 */
import { comparePositions, type Position, type RecordedEvent } from "./port.js";

export class RecentEvents {
  /** Exclusive: the run holds every event after this position up to its last one. */
  private start: Position | undefined;
  private events: RecordedEvent[] = [];

  constructor(private readonly capacity = 5000) {}

  /**
   * The events after `after` that the run holds (at most `limit`), or undefined when it cannot answer: the
   * position is outside the run, or nothing newer is held.
   */
  after(after: Position, limit: number): RecordedEvent[] | undefined {
    if (!this.start || this.events.length === 0) return undefined;
    if (comparePositions(after, this.start) < 0) return undefined;
    const first = this.indexAfter(after);
    if (first >= this.events.length) return undefined;
    return this.events.slice(first, first + limit);
  }

  /** Records what a read of the log answered: `events`, all of those after `after`, in order. */
  record(after: Position, events: RecordedEvent[]): void {
    if (events.length === 0) return;
    const end = this.events.at(-1)?.position ?? this.start;
    const joins = this.start !== undefined && end !== undefined
      && comparePositions(after, this.start) >= 0 && comparePositions(after, end) <= 0;
    if (joins) {
      const fresh = events.filter((event) => comparePositions(event.position, end) > 0);
      this.events.push(...fresh);
    } else {
      this.start = after;
      this.events = [...events];
    }
    const excess = this.events.length - this.capacity;
    if (excess > 0) {
      this.start = this.events[excess - 1].position;
      this.events = this.events.slice(excess);
    }
  }

  /** Index of the first held event after `position` (binary search; the run is in position order). */
  private indexAfter(position: Position): number {
    let [low, high] = [0, this.events.length];
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (comparePositions(this.events[middle].position, position) <= 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
