/**
 * What a read model is: a name, a version, the tables it owns, their DDL, and one handler per event type
 * it cares about. Handlers write only their own tables, through the transaction they are given; the runner
 * sets the search path so that unqualified table names land in the generation being built.
 */
import type { Queryable } from "./queryable.js";
import type { RecordedEvent } from "../events/recorded.js";

export type EventHandler = (event: RecordedEvent, tx: Queryable) => Promise<unknown>;

export interface Projection {
  /** Lower-case identifier; also the prefix of its schemas. */
  readonly name: string;
  /** Bump when the schema or a handler changes meaning: the runner then rebuilds it blue/green. */
  readonly version: number;
  /** Tables the DDL creates; readers query views of the same names that point at the live generation. */
  readonly tables: readonly string[];
  /** DDL with unqualified table names. */
  readonly schema: string;
  readonly on: Readonly<Record<string, EventHandler>>;
}

const IDENTIFIER = /^[a-z][a-z0-9_]{0,39}$/;

export function projection(definition: Projection): Projection {
  if (!IDENTIFIER.test(definition.name)) throw new Error(`bad projection name: ${definition.name}`);
  if (!Number.isInteger(definition.version) || definition.version < 1) {
    throw new Error(`projection ${definition.name}: version must be a positive integer`);
  }
  for (const table of definition.tables) {
    if (!IDENTIFIER.test(table)) throw new Error(`projection ${definition.name}: bad table name ${table}`);
  }
  return definition;
}
