/**
 * An aggregate, defined once: its stream category (streams are `category-<id>`), its decider, and the reader
 * that turns recorded events back into its domain events (upcasting on the way). The command bus runs every
 * command through this definition; read-only checks fold the same way (`foldRecorded`).
 */
import { occurredAt, streamName, type RecordedEvent } from "../events/recorded.js";
import type { Decider, DomainEvent } from "./decider.js";

export interface Aggregate<Command, State, Event extends DomainEvent> {
  readonly category: string;
  readonly decider: Decider<Command, State, Event>;
  readonly read: (recorded: RecordedEvent) => Event;
  /** The stream of the aggregate with this id. */
  stream(id: string): string;
}

export function defineAggregate<Command, State, Event extends DomainEvent>(
  category: string, decider: Decider<Command, State, Event>, read: (recorded: RecordedEvent) => Event,
): Aggregate<Command, State, Event> {
  streamName(category, "probe"); // fails at load time for a category that stream names cannot carry
  return { category, decider, read, stream: (id) => streamName(category, id) };
}

/** An event as an aggregate folds it: with when it took effect (absent in decider specs, which give no time). */
export type Timed<Event extends DomainEvent> = Event & { at?: Date };

/**
 * The state of an aggregate from its recorded history; each event carries its `occurredAt` as `at`. Given
 * `from`, the state its earlier events folded to, `history` is the rest of the stream.
 */
export function foldRecorded<State, Event extends DomainEvent>(
  aggregate: Pick<Aggregate<never, State, Event>, "decider" | "read">, history: readonly RecordedEvent[],
  from: State = aggregate.decider.initialState,
): State {
  const { decider } = aggregate;
  return history.reduce((state, recorded) =>
    decider.evolve(state, { ...aggregate.read(recorded), at: occurredAt(recorded) } as Timed<Event>), from);
}
