/** Loading an aggregate for a check that records nothing; decisions that record go through the command bus. */
import { foldRecorded, type Aggregate } from "../../commands/aggregate.js";
import type { DomainEvent } from "../../commands/decider.js";
import type { EventReads } from "../eventstore/port.js";

export async function loadAggregate<State, Event extends DomainEvent>(
  store: Pick<EventReads, "readStream">, aggregate: Aggregate<never, State, Event>, id: string,
): Promise<State> {
  return foldRecorded(aggregate, await store.readStream(aggregate.stream(id)));
}
