/**
 * Lets identical reads asked for in the same turn of the event loop share one query. Every subscription of
 * a store wakes on the same append and asks for the same thing (the events after the same position), so
 * a server with many projections would otherwise send the same query once per projection. A read joins only
 * a query that has not started yet, so its answer is never older than the moment it was asked for.
 */
export class SameTickReads {
  private readonly waiting = new Map<string, Promise<unknown>>();

  read<T>(key: string, query: () => Promise<T>): Promise<T> {
    const joined = this.waiting.get(key);
    if (joined) return joined as Promise<T>;
    const result = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      this.waiting.delete(key);
      return query();
    });
    this.waiting.set(key, result);
    return result;
  }
}
