/** Loading an aggregate for a check that records nothing; decisions that record go through the command bus. */
import { foldRecorded, type Aggregate } from "../../commands/aggregate.js";
import type { DomainEvent } from "../../commands/decider.js";
import type { EventReads, RecordedEvent } from "../eventstore/port.js";

/**
 * States folded from frozen histories (the stream cache's, shared by the reads it answers): a history that
 * cannot change folds to the same state, so each cached history is folded once per aggregate, not once per
 * read (the fold validated every event's data again; issue 12). Callers only read the states they load.
 */
const folds = new WeakMap<readonly RecordedEvent[], Map<Aggregate<never, unknown, DomainEvent>, unknown>>();

export async function loadAggregate<State, Event extends DomainEvent>(
  store: Pick<EventReads, "readStream">, aggregate: Aggregate<never, State, Event>, id: string,
): Promise<State> {
  const history = await store.readStream(aggregate.stream(id));
  if (!Object.isFrozen(history)) return foldRecorded(aggregate, history);
  let states = folds.get(history);
  if (!states) folds.set(history, states = new Map());
  const key = aggregate as Aggregate<never, unknown, DomainEvent>;
  if (!states.has(key)) states.set(key, foldRecorded(aggregate, history));
  return states.get(key) as State;
}
