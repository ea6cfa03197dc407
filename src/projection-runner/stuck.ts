/**
 * Is a projection stuck on an event? Tries the first event its live generation has not applied yet, in its
 * own schema, in a transaction that is always rolled back. The answer takes one event's work, whichever
 * process leads the projection, so `keyledger audit verify` and `keyledger replay` report a projection
 * that cannot move instead of waiting for it or comparing only what it applied before the event.
 */
import type { Database } from "../db/database.js";
import type { EventStore } from "../eventstore/port.js";
import type { Projection } from "../../projections/projection.js";
import { generationSchema, liveGeneration } from "./catalog.js";
import { applyHandlers, ProjectionEventFailed } from "./runner.js";

class RolledBack extends Error {}

/** How many events past the live position are looked through for the first one the projection handles. */
const LOOKAHEAD = 200;

export async function stuckOn(db: Database, store: EventStore, projection: Projection): Promise<ProjectionEventFailed | undefined> {
  const live = await liveGeneration(db, projection.name);
  if (!live || live.version !== projection.version) return undefined;
  const event = (await store.readAll({ after: live.position, limit: LOOKAHEAD })).find((e) => projection.handles(e.type));
  if (!event) return undefined;
  try {
    await db.transaction(async (tx) => {
      await tx.exec(`set local search_path to ${generationSchema(projection.name, live.generation)}, public`);
      await applyHandlers(projection, [event], tx);
      throw new RolledBack();
    });
    return undefined;
  } catch (error) {
    if (error instanceof RolledBack) return undefined;
    if (!(error instanceof ProjectionEventFailed)) throw error;
    // The leader may have applied it meanwhile (and our copy collided with its rows): stuck only if it has not.
    const now = await liveGeneration(db, projection.name);
    return now && now.generation === live.generation && now.position.commit === live.position.commit
      && now.position.prepare === live.position.prepare ? error : undefined;
  }
}
