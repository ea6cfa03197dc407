/**
 * What a read model is: a name, a version, the tables it owns, their DDL, and one handler per event it
 * cares about. Handlers are built from the event definitions (`on(SecretDeleted, ...)`), so each gets its
 * event's data upcast and validated, typed by the definition, and a handler for a fact that does not exist
 * does not compile. Handlers write only their own tables, through the transaction they are given; the
 * runner sets the search path so that unqualified table names land in the generation being built.
 */
import type { z } from "zod";
import { currentData, type EventDefinition } from "../events/define.js";
import type { RecordedEvent } from "../events/recorded.js";
import type { Queryable } from "./queryable.js";

type AnyEventDefinition = EventDefinition<string, z.ZodType>;

/** A recorded event of one definition, its data in the current shape. */
export type ProjectedEvent<D extends AnyEventDefinition> =
  Omit<RecordedEvent, "type" | "data"> & { type: D["type"]; data: z.output<D["schema"]> };

/** A handler for any recorded event, data as stored (the audit log's, which records every fact alike). */
export type RecordedEventHandler = (event: RecordedEvent, tx: Queryable) => Promise<unknown>;

export interface EventHandler {
  readonly type: string;
  apply(event: RecordedEvent, tx: Queryable): Promise<unknown>;
  /** Applies several events of this type at once (handlers built with `onRun`). */
  applyRun?(events: readonly RecordedEvent[], tx: Queryable): Promise<unknown>;
}

/** The handler of one event type: it receives the event with its data upcast and validated. */
export function on<D extends AnyEventDefinition>(
  definition: D, handle: (event: ProjectedEvent<D>, tx: Queryable) => Promise<unknown>,
): EventHandler {
  return {
    type: definition.type,
    apply: (event, tx) =>
      handle({ ...event, type: definition.type, data: currentData(definition, event.data) as z.output<D["schema"]> }, tx),
  };
}

/**
 * The handler of one event type that takes them in runs: every event of the type in a runner batch that
 * follows another of the type (events the projection does not handle may lie between), in order. For read
 * models that fold many events into few rows, so a batch costs a statement, not one per event. Order against
 * the projection's other handlers is kept: a run ends at an event of another type it handles.
 */
export function onRun<D extends AnyEventDefinition>(
  definition: D, handle: (events: Array<ProjectedEvent<D>>, tx: Queryable) => Promise<unknown>,
): EventHandler {
  const projected = (event: RecordedEvent) =>
    ({ ...event, type: definition.type, data: currentData(definition, event.data) as z.output<D["schema"]> });
  return {
    type: definition.type,
    apply: (event, tx) => handle([projected(event)], tx),
    applyRun: (events, tx) => handle(events.map(projected), tx),
  };
}

export interface ProjectionDefinition {
  /** Lower-case identifier; also the prefix of its schemas. */
  readonly name: string;
  /** Bump when the schema or a handler changes meaning: the runner then rebuilds it blue/green. */
  readonly version: number;
  /** Tables the DDL creates; readers query views of the same names that point at the live generation. */
  readonly tables: readonly string[];
  /** DDL with unqualified table names. */
  readonly schema: string;
  /** One per event type, built with `on`. */
  readonly handlers?: readonly EventHandler[];
  /**
   * Applied to every fact, before its type's handler if any, with its data as stored, including kinds added
   * after the projection was written: for read models of the whole log (the audit chain would break at a gap).
   */
  readonly everyEvent?: RecordedEventHandler;
}

export interface Projection extends Omit<ProjectionDefinition, "handlers" | "everyEvent"> {
  /** Whether events of this type change the read model (the runner passes over batches of others). */
  handles(type: string): boolean;
  /** Applies one event (of any type: those it does not handle change nothing). */
  apply(event: RecordedEvent, tx: Queryable): Promise<void>;
  /** Applies a run of events of one type that has a run handler (`onRun`); undefined for other types. */
  runHandler(type: string): ((events: readonly RecordedEvent[], tx: Queryable) => Promise<void>) | undefined;
}

const IDENTIFIER = /^[a-z][a-z0-9_]{0,39}$/;
/** Facts are named in PascalCase; EventStoreDB's own system events (`$…`) are not facts. */
const FACT_TYPE = /^[A-Z]/;

export function projection(definition: ProjectionDefinition): Projection {
  const { handlers = [], everyEvent, ...shape } = definition;
  if (!IDENTIFIER.test(shape.name)) throw new Error(`bad projection name: ${shape.name}`);
  if (!Number.isInteger(shape.version) || shape.version < 1) {
    throw new Error(`projection ${shape.name}: version must be a positive integer`);
  }
  for (const table of shape.tables) {
    if (!IDENTIFIER.test(table)) throw new Error(`projection ${shape.name}: bad table name ${table}`);
  }
  const byType = new Map<string, EventHandler>();
  for (const handler of handlers) {
    if (byType.has(handler.type)) throw new Error(`projection ${shape.name}: two handlers for ${handler.type}`);
    byType.set(handler.type, handler);
  }
  const handles = (type: string) => byType.has(type) || (everyEvent !== undefined && FACT_TYPE.test(type));
  return {
    ...shape,
    handles,
    async apply(event, tx) {
      if (everyEvent && FACT_TYPE.test(event.type)) await everyEvent(event, tx);
      await byType.get(event.type)?.apply(event, tx);
    },
    runHandler(type) {
      // A projection of every fact applies each one in order: it has no runs.
      const run = everyEvent ? undefined : byType.get(type)?.applyRun;
      return run && (async (events, tx) => void (await run(events, tx)));
    },
  };
}
