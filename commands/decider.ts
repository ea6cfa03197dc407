/**
 * The shape of every aggregate's decision logic (Chassaing's decider): a pure fold of past events into
 * state, and a pure decision from a command and that state to new events. Time and ids come in as inputs.
 */
export interface DomainEvent {
  type: string;
  data: Record<string, unknown>;
}

export interface Decider<Command, State, Event extends DomainEvent> {
  initialState: State;
  evolve(state: State, event: Event): State;
  /** Returns the events that record the decision, or throws a typed domain error. */
  decide(command: Command, state: State, now: Date): Event[];
}

/** Folds a history into state. */
export function fold<State, Event extends DomainEvent>(
  decider: Pick<Decider<unknown, State, Event>, "initialState" | "evolve">,
  events: readonly Event[],
): State {
  return events.reduce(decider.evolve, decider.initialState);
}
