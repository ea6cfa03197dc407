/**
 * The command bus's folds of the streams it decided on lately, each with the revision it reached: what it
 * read, or what it appended itself. A stream is append-only, so the fold of its events up to a revision
 * never changes: the next command on the stream reads only the events after it and folds them on, or, when
 * the bus trusts the fold to be the whole stream (`kept`), reads nothing and lets the append's expected
 * revision catch any event it lacks. A secret's stream gains an event per version, and without this every
 * write read and folded all of them (a rotated secret's writes grew dearer with each version; issue 12).
 * States are immutable (deciders' `evolve` returns new states), so one can be shared and folded on.
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

  /** The last fold kept of the stream, as it is: possibly behind the stream. */
  kept<State, Event extends DomainEvent>(aggregate: Aggregate<never, State, Event>, stream: string):
    { state: State; revision: bigint } | undefined {
    const entry = this.entries.get(stream);
    return entry?.aggregate === aggregate ? { state: entry.state as State, revision: entry.revision } : undefined;
  }

  /** Keeps a fold (the state after an append at `revision`), unless a later one is kept already. */
  remember<State, Event extends DomainEvent>(aggregate: Aggregate<never, State, Event>, stream: string, revision: bigint, state: State): void {
    const entry = this.entries.get(stream);
    if (entry?.aggregate === aggregate && entry.revision >= revision) return;
    this.keep(stream, { aggregate, revision, state });
  }

  /** Something else appended to the stream: its fold must be read again. */
  forget(stream: string): void {
    this.entries.delete(stream);
  }

  async load<State, Event extends DomainEvent>(
    store: Pick<EventReads, "readStream">, aggregate: Aggregate<never, State, Event>, stream: string,
  ): Promise<StreamState<State>> {
    const known = this.kept(aggregate, stream);
    const rest = await store.readStream(stream, known ? known.revision + 1n : 0n);
    const from = known ? known.state : aggregate.decider.initialState;
    const state = foldRecorded(aggregate, rest, from);
    const revision = rest.length > 0 ? rest[rest.length - 1].revision : known?.revision;
    // Concurrent commands may store an older fold after a newer one: still a true fold, only a longer rest next time.
    if (revision !== undefined) this.keep(stream, { aggregate, revision, state });
    return { state, revision };
  }

  private keep(stream: string, folded: Folded): void {
    if (!this.entries.has(stream) && this.entries.size >= this.maxStreams) this.entries.clear();
    this.entries.set(stream, folded);
  }
}
