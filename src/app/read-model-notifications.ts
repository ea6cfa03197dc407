/**
 * Read-your-writes across processes on PostgreSQL. A write answered by one process waits for read models that
 * another process (an API worker, another node) may lead. Left alone, the waiter polls the catalog every 25 ms;
 * with these notifications the leader tells it when a batch committed, and it looks again at once.
 *
 * The leader's NOTIFY goes with the batch's commit, in its transaction: no statement of its own, and heard only
 * if the batch commits. (A notifying transaction holds a cluster-wide lock while it commits; read-model batches
 * commit without waiting for the WAL flush, so they hold it briefly, and the log's appends never take it.)
 *
 * Announced after every batch, a statement each, it took 5-15 % of the reads' throughput (the audit log's and
 * the reads' read models commit all the time, and nobody waits for them). So the leader announces only while
 * a process says it waits: a waiter notifies its interest at most every INTEREST_EVERY_MS, and the leader
 * announces its batches for INTEREST_LASTS_MS after the last, and once when the interest arrives (which covers
 * a batch committed just before it).
 */
import type { Queryable } from "../db/database.js";
import { Announcer, Listener } from "../eventstore/postgres-notifications.js";

/** A read model's batch committed: waiters on another process's read models look again. */
export const ADVANCE_CHANNEL = "projections_advanced";
/** Somebody waits for read models another process leads: leaders, announce your batches. */
export const AWAITED_CHANNEL = "projections_awaited";
const ANNOUNCE_ADVANCE = `select pg_notify('${ADVANCE_CHANNEL}', '')`;
const INTEREST_EVERY_MS = 250;
const INTEREST_LASTS_MS = 2000;
const RECONNECT_DELAY_MS = 1000;

export class ReadModelNotifications {
  private readonly advances: Announcer;
  private readonly interest: Announcer;
  private listener?: Listener;
  private wantedUntil = -Infinity;
  private interestSentAt = -Infinity;

  constructor(db: Queryable) {
    this.advances = new Announcer(db, ADVANCE_CHANNEL);
    this.interest = new Announcer(db, AWAITED_CHANNEL);
  }

  /**
   * Listens from now on: `advancedElsewhere` is called when another process's batch may let a waiter go, and
   * `awaitedElsewhere` when another process says it waits (this one's read models should not dawdle).
   */
  async listen(connectionString: string, advancedElsewhere: () => void, awaitedElsewhere: () => void): Promise<void> {
    this.listener = await Listener.start(connectionString, {
      [ADVANCE_CHANNEL]: advancedElsewhere,
      [AWAITED_CHANNEL]: () => {
        this.wantedUntil = performance.now() + INTEREST_LASTS_MS;
        this.advances.announce();
        awaitedElsewhere();
      },
    }, { connected: advancedElsewhere, reconnectDelayMs: RECONNECT_DELAY_MS });
  }

  /** What a batch of a read model this process leads sends with its commit: a NOTIFY while somebody waits. */
  batchCommitStatement(): string | undefined {
    return performance.now() < this.wantedUntil ? ANNOUNCE_ADVANCE : undefined;
  }

  /** A waiter here waits for a read model another process leads. */
  waitingOnOthers(): void {
    const now = performance.now();
    if (now - this.interestSentAt < INTEREST_EVERY_MS) return;
    this.interestSentAt = now;
    this.interest.announce();
  }

  async close(): Promise<void> {
    await this.listener?.close();
    await Promise.all([this.advances.settle(), this.interest.settle()]);
  }
}
