/**
 * given/when/then for deciders: `given(...events).when(command).then(...events)` or `.thenThrows(Error)`.
 * Runs the pure functions only: no store, no clock (the time is passed in).
 */
import { expect } from "chai";
import { fold, type Decider, type DomainEvent } from "../../commands/decider.js";

export function specFor<Command, State, Event extends DomainEvent>(
  decider: Decider<Command, State, Event>,
  now: () => Date = () => new Date("2026-01-01T00:00:00Z"),
) {
  return {
    given(...history: Event[]) {
      return {
        when(command: Command) {
          const run = () => decider.decide(command, fold(decider, history), now());
          return {
            then(...expected: Event[]) {
              expect(run()).to.deep.equal(expected);
            },
            thenThrows(errorType: new (...args: never[]) => Error) {
              expect(run).to.throw(errorType);
            },
          };
        },
      };
    },
  };
}
