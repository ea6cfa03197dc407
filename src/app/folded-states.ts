/**
 * The command bus's folds of the streams it decided on lately, each with the revision it reached. A stream
 * is append-only, so the fold of its events up to a revision never changes: the next command on the stream
 * reads only the events after it and folds them on. A secret's stream gains an event per version, and
 * without this every write read and folded all of them (a rotated secret's writes grew dearer with each
 * version; issue 12). Nothing is assumed about freshness: the rest of the stream is always read, and the
 * append's expected revision still catches a competitor in between. States are immutable (deciders'
 * `evolve` returns new states), so one can be shared and folded on.
 */
import { foldRecorded, type Aggregate } from "../../commands/aggregate.js";
import type { DomainEvent } from "../../commands/decider.js";
import type { EventReads } from "../eventstore/port.js";

/** Streams kept before the cache is emptied (a bound on memory, not a policy). */
const MAX_STREAMS = 5_000;

interface Folded {
  aggregate: object;
  revision: bigint;
  state: unknown;
}

export interface StreamState<State> {
  state: State;
  /** The revision of the stream's last event; undefined for a stream with no events. */
  revision: bigint | undefined;
}

export class FoldedStates {
  private readonly entries = new Map<string, Folded>();

  constructor(private readonly maxStreams = MAX_STREAMS) {}

  async load<State, Event extends DomainEvent>(
    store: Pick<EventReads, "readStream">, aggregate: Aggregate<never, State, Event>, stream: string,
  ): Promise<StreamState<State>> {
    const cached = this.entries.get(stream);
    const known = cached?.aggregate === aggregate ? cached : undefined;
    const rest = await store.readStream(stream, known ? known.revision + 1n : 0n);
    const from = known ? (known.state as State) : aggregate.decider.initialState;
    const state = foldRecorded(aggregate, rest, from);
    const revision = rest.length > 0 ? rest[rest.length - 1].revision : known?.revision;
    if (revision !== undefined) {
      if (!cached && this.entries.size >= this.maxStreams) this.entries.clear();
      // Concurrent commands may store an older fold after a newer one: still a true fold, only a longer rest next time.
      this.entries.set(stream, { aggregate, revision, state });
    }
    return { state, revision };
  }
}
