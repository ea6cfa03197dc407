/**
 * A catch-up subscription over a store that can only be read: reads history in batches, then waits for a
 * ring of the doorbell (or a poll) and reads again. Delivery is strictly sequential, so a handler is never
 * called before the previous batch's promise settled.
 *
 * Any error (reading or in the handler) is reported to onError and ends the subscription: the caller
 * restarts from its own checkpoint, as with EventStoreDB's dropped subscriptions.
 */
import { START, type Position, type RecordedEvent, type SubscribeOptions, type Subscription } from "./port.js";
import type { Wakeup } from "./wakeup.js";

/** A read of the events after a position. */
export interface EventsPage {
  events: RecordedEvent[];
  /**
   * When the page holds fewer events than asked for: whether committed events after its last one (after the
   * position, for none) wait behind an older open transaction, seen by the same snapshot as the read (asked
   * by a later statement, the answer missed events whose holder ended in between: issue 12). Nothing rings
   * when that transaction ends, so the subscription reads again soon.
   */
  heldBack: boolean;
  /**
   * Whether the page holds every event after the position that the log showed when it was read (a read of
   * the log that found fewer than asked for). Anything appended later rings the doorbell after the read was
   * asked for, so the subscription waits for that ring instead of reading again to find nothing (issue 12).
   * A page served from memory may stop short of the log: not complete.
   */
  complete: boolean;
}

export interface PollingSource {
  readAfter(after: Position, limit: number): Promise<EventsPage>;
}

export interface PollingSettings {
  wakeup: Wakeup;
  batchSize: number;
  /** Fallback when no ring comes (events appended by a process that cannot ring us). */
  pollIntervalMs: number;
  /** Re-read delay while events wait behind an open transaction: nothing rings when it ends. */
  horizonRetryMs: number;
}

export function startPollingSubscription(
  source: PollingSource,
  settings: PollingSettings,
  options: SubscribeOptions,
): Subscription {
  const stopping = new AbortController();
  let position = options.after ?? START;

  async function run(): Promise<void> {
    while (!stopping.signal.aborted) {
      const seen = settings.wakeup.count;
      const { events, heldBack, complete } = await source.readAfter(position, settings.batchSize);
      if (stopping.signal.aborted) return;
      if (events.length > 0) {
        try {
          await options.onEvents(events);
        } catch (error) {
          options.onError?.(error);
          return;
        }
        position = events[events.length - 1].position;
        if (!complete) continue;
      }
      await settings.wakeup.wait(seen, heldBack ? settings.horizonRetryMs : settings.pollIntervalMs, stopping.signal);
    }
  }

  // A read that fails because the store is closing under a stopped subscription is not worth reporting.
  const finished = run().catch((error: unknown) => {
    if (!stopping.signal.aborted) options.onError?.(error);
  });

  return {
    async stop() {
      stopping.abort();
      await finished;
    },
  };
}
