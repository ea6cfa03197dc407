/**
 * Shroud's cached lookups (agent, revocation, IP rules, vaults, policies, the secrets listing), kept exact by
 * the event log rather than by age: before each call Shroud reads the log up to its head anyway (for the
 * redaction manifests); when that shows an event whose projection changes a cached table, the call waits
 * until the read models include it and drops those tables' entries. So a call never meets a lookup older
 * than the log head at its start, and a call after a quiet period makes none of those queries.
 */
import type { ReadModelCache } from "../db/read-model-cache.js";
import type { Position, RecordedEvent } from "../eventstore/port.js";

const READ_MODELS_TIMEOUT_MS = 5000;

export class ShroudLookups {
  private readonly pending = new Set<string>();
  private pendingAt?: Position;
  private refreshing?: Promise<void>;

  constructor(readonly cache: ReadModelCache, private readonly readModels: { waitFor(position: Position, timeoutMs: number): Promise<void> }) {}

  /** Each event of the log, in order (the manifests' reader hands them over). */
  consider(event: RecordedEvent): void {
    if (!this.cache.affects(event.type)) return;
    this.pending.add(event.type);
    this.pendingAt = event.position;
  }

  /** Resolves once the cache holds nothing older than the events considered so far. */
  async fresh(): Promise<void> {
    while (this.pendingAt || this.refreshing) {
      if (!this.refreshing) {
        const types = [...this.pending];
        const at = this.pendingAt!;
        this.pending.clear();
        this.pendingAt = undefined;
        // A read model that does not catch up in time: the entries go anyway, so lookups read the tables as they are.
        this.refreshing = this.readModels.waitFor(at, READ_MODELS_TIMEOUT_MS).catch(() => {})
          .then(() => this.cache.eventsWritten(types))
          .finally(() => (this.refreshing = undefined));
      }
      await this.refreshing;
    }
  }
}
