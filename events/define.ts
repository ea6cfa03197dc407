/**
 * How the event catalogue is written: one `defineEvent` per fact, with the zod schema of its data. The
 * same definitions build events (validated, so a decider cannot emit a malformed fact) and read them back
 * from the store (validated, with an upcaster for data written by older versions).
 */
import { z } from "zod";
import type { RecordedEvent } from "./recorded.js";

export interface EventDefinition<T extends string, S extends z.ZodType> {
  type: T;
  schema: S;
  /** Builds the event from its data, validated. */
  of(data: z.input<S>): { type: T; data: z.output<S> };
  /** Turns data written by an older version into the current shape before validation. */
  upcast?: (data: Record<string, unknown>) => Record<string, unknown>;
}

export function defineEvent<T extends string, S extends z.ZodType<Record<string, unknown>>>(
  type: T,
  schema: S,
  options: { upcast?: (data: Record<string, unknown>) => Record<string, unknown> } = {},
): EventDefinition<T, S> {
  return { type, schema, upcast: options.upcast, of: (data) => ({ type, data: schema.parse(data) }) };
}

/** The union of the events a list of definitions describes. */
export type EventsOf<D extends readonly EventDefinition<string, z.ZodType>[]> = {
  [K in keyof D]: D[K] extends EventDefinition<infer T, infer S> ? { type: T; data: z.output<S> } : never;
}[number];

export class UnknownEventType extends Error {
  constructor(readonly type: string, readonly stream: string) {
    super(`no definition for event type ${type} (stream ${stream})`);
    this.name = "UnknownEventType";
  }
}

/** The data of a stored event of this definition in its current shape: upcast if need be, then validated. */
export function currentData<S extends z.ZodType>(definition: EventDefinition<string, S>, stored: Record<string, unknown>):
  z.output<S> {
  return definition.schema.parse(definition.upcast ? definition.upcast(stored) : stored);
}

/** Reads recorded events of the given definitions back into domain events. */
export function eventReader<const D extends readonly EventDefinition<string, z.ZodType>[]>(definitions: D) {
  const byType = new Map(definitions.map((d) => [d.type, d]));
  return (recorded: RecordedEvent): EventsOf<D> => {
    const definition = byType.get(recorded.type);
    if (!definition) throw new UnknownEventType(recorded.type, recorded.stream);
    return { type: recorded.type, data: currentData(definition, recorded.data) } as EventsOf<D>;
  };
}
