/**
 * A doorbell for subscriptions: rung when new events may be readable. Counting rings (instead of queueing
 * waiters) means a ring between "note the count" and "start waiting" is never lost.
 */
export class Wakeup {
  private rings = 0;
  private readonly waiters = new Set<() => void>();

  /** The number of rings so far: note it before reading, wait on it after. */
  get count(): number {
    return this.rings;
  }

  ring(): void {
    this.rings++;
    for (const wake of this.waiters) wake();
    this.waiters.clear();
  }

  /** Resolves once rung after `seen`, after `timeoutMs`, or when `signal` aborts, whichever is first. */
  wait(seen: number, timeoutMs: number, signal: AbortSignal): Promise<void> {
    if (this.rings !== seen || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal.addEventListener("abort", done);
      this.waiters.add(done);
    });
  }
}
