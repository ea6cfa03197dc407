/**
 * In-process cache of recently read streams, for reads that decide nothing (an audited secret read folds the
 * secret's stream to find the version to open): the stream query was the last one every read sent (issue 12).
 * Decisions never use it: the command bus reads its streams from the store, so a conflict is always seen.
 *
 * How stale a cached stream can be:
 * - appended by this process, not at all: the command bus reports each append (`streamAppended`) before it
 *   answers, and the entry is dropped;
 * - appended by another process (another API process, Shroud, the CLI): at most `maxAgeMs` (1 s by default),
 *   measured from when its query was sent, the bound the read-model lookups already have (read-model-cache.ts).
 * A read in flight when its stream is appended to is not kept: the entry it fills was dropped, so a later
 * read goes to the store.
 */
import type { EventReads, RecordedEvent } from "./port.js";

/** Default bound on how old a cached stream may be (the cross-process staleness bound). */
export const STREAM_MAX_AGE_MS = 1000;

/** Streams kept before the cache is emptied (a bound on memory, not a policy). */
const MAX_STREAMS = 20_000;

interface Entry {
  loadedAt: number;
  events: Promise<readonly RecordedEvent[]>;
}

export interface StreamCacheOptions {
  store: Pick<EventReads, "readStream">;
  maxAgeMs?: number;
  /** Monotonic milliseconds (tests may pass their own). */
  now?: () => number;
}

export class StreamCache {
  private readonly entries = new Map<string, Entry>();
  private readonly maxAgeMs: number;
  private readonly now: () => number;

  constructor(private readonly options: StreamCacheOptions) {
    this.maxAgeMs = options.maxAgeMs ?? STREAM_MAX_AGE_MS;
    this.now = options.now ?? (() => performance.now());
  }

  /** A stream's events from the start, from the cache when read less than `maxAgeMs` ago. */
  readStream = (stream: string): Promise<RecordedEvent[]> => {
    const cached = this.entries.get(stream);
    if (cached && this.now() - cached.loadedAt < this.maxAgeMs) return cached.events as Promise<RecordedEvent[]>;
    if (this.entries.size >= MAX_STREAMS) this.entries.clear();
    const entry: Entry = { loadedAt: this.now(), events: this.options.store.readStream(stream).then((events) => Object.freeze(events)) };
    this.entries.set(stream, entry);
    // A failed read is not an answer to keep.
    entry.events.catch(() => {
      if (this.entries.get(stream) === entry) this.entries.delete(stream);
    });
    return entry.events as Promise<RecordedEvent[]>;
  };

  /** Told by the command bus once it has appended to `stream`: the next read of it goes to the store. */
  streamAppended(stream: string): void {
    this.entries.delete(stream);
  }
}
