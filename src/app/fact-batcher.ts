/**
 * Gathers fact appends made by concurrent requests (audit records of secret reads, denials) and writes them
 * together: one round trip and one commit for the lot instead of one each. A batch is sent at once when the
 * store is idle; whatever arrives while it is in flight goes in the next one, so batches grow with load and
 * an idle server adds no delay.
 */
import type { AppendResult, EventStore, FactAppend } from "../eventstore/port.js";

interface Waiting {
  fact: FactAppend;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

export class FactBatcher {
  private queue: Waiting[] = [];
  private flushing = false;

  constructor(private readonly store: Pick<EventStore, "appendFacts">, private readonly maxBatch = 256) {}

  /** Resolves once the fact is durably appended; rejects with the batch's error if its batch failed. */
  append(fact: FactAppend): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ fact, resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        // Let the requests of this turn of the event loop join the first batch.
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        const results = await this.store.appendFacts(batch.map((waiting) => waiting.fact));
        batch.forEach((waiting, i) => waiting.resolve(results[i]));
      } catch (error) {
        for (const waiting of batch) waiting.reject(error);
      }
    }
    this.flushing = false;
  }
}
