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

export interface PollingSource {
  readAfter(after: Position, limit: number): Promise<RecordedEvent[]>;
  /**
   * True when committed events exist after `after`, visible or not. Asked after a read found none: they are
   * held behind an older open transaction, or became readable since the read (the transaction that held them
   * ended in between, and nothing rings for its end). Either way the subscription reads again soon.
   */
  hasEventsAfter(after: Position): Promise<boolean>;
}

export interface PollingSettings {
  wakeup: Wakeup;
  batchSize: number;
  /** Fallback when no ring comes (events appended by a process that cannot ring us). */
  pollIntervalMs: number;
  /** Re-read delay while events wait behind an open transaction, or a read missed them: nothing rings for those. */
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
      const events = await source.readAfter(position, settings.batchSize);
      if (stopping.signal.aborted) return;
      if (events.length > 0) {
        try {
          await options.onEvents(events);
        } catch (error) {
          options.onError?.(error);
          return;
        }
        position = events[events.length - 1].position;
        continue;
      }
      const waitMs = (await source.hasEventsAfter(position)) ? settings.horizonRetryMs : settings.pollIntervalMs;
      await settings.wakeup.wait(seen, waitMs, stopping.signal);
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
