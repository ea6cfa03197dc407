/**
 * Feeds projections from the store's global order. For each projection it leads (one leader per projection
 * across processes, by PostgreSQL advisory lock), it runs a worker per generation being advanced: the live
 * one, and a building one during a blue/green rebuild. Each batch of events and the generation's new
 * position commit in one transaction, so a crash never applies an event twice or skips one.
 */
import type { Database, Queryable } from "../db/database.js";
import { CoalescingQueryable, HeldInsertFailed } from "./coalescing-queryable.js";
import {
  comparePositions, formatPosition, type EventStore, type Position, type RecordedEvent, type Subscription,
} from "../eventstore/port.js";
import type { Projection } from "../../projections/projection.js";
import {
  advanceStatement, createGeneration, dropRetired, ensureCatalog, generationSchema, isStaleGeneration, listGenerations,
  rebuildsRequested, swapIfCaughtUp, type Generation,
} from "./catalog.js";

export interface RunnerLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

const silent: RunnerLogger = { info() {}, warn() {}, error() {} };

export interface ProjectionRunnerOptions {
  db: Database;
  store: EventStore;
  projections: readonly Projection[];
  logger?: RunnerLogger;
  /** How often to try for leadership of projections led elsewhere, and to look for rebuild requests. */
  leaderPollMs?: number;
  /** Called when a projection cannot apply an event (for metrics). */
  onEventFailed?(projection: string, eventId: string): void;
  /** Called after every committed batch (for metrics). */
  onBatch?(projection: string, events: number, seconds: number): void;
  /**
   * Called when a read-your-writes waiter waits for a read model another process leads (so that process can
   * be asked to say when its batches commit: advancedElsewhere).
   */
  onWaitingOnOthers?(): void;
  /** A statement sent with each batch's commit, run in its transaction (a NOTIFY: heard only if it commits). */
  batchCommitStatement?(): string | undefined;
  /**
   * How often a read-your-writes waiter looks at the catalog for a read model another process leads, when
   * no advancedElsewhere() wakes it first. Default 25 ms.
   */
  othersPollMs?: number;
  /**
   * Send runs of identical single-row INSERTs made by handlers as multi-row INSERTs (see
   * CoalescingQueryable). Default true; false sends every statement as it comes.
   */
  coalesceInserts?: boolean;
  /**
   * The least time from the start of one batch of a live read model to the start of its next, while nobody
   * waits for read models (0, the default: none). Under load a read model then applies fewer, larger batches:
   * a batch's fixed cost (its transaction, checkpoint and statements) is shared by more events. The pause ends
   * at once when a read-your-writes waiter starts here, or when hurry() says waiters elsewhere wait.
   */
  batchIntervalMs?: number;
}

export interface ProjectionStatus {
  name: string;
  version: number;
  /** Whether this process runs it (else another process does, or nobody yet). */
  ledHere: boolean;
  live?: { generation: number; version: number; position: string; eventsApplied: string };
  building?: { generation: number; version: number; position: string; eventsApplied: string };
  head: string;
  caughtUp: boolean;
  /** Age of the oldest event the live generation has not applied yet; 0 when caught up. */
  lagSeconds: number;
  lastError?: string;
  /** The event the live generation fails on, while it does: it is not waited for by read-your-writes. */
  failingEventId?: string;
}

/** The read models did not reach a position in time. */
export class ReadModelsBehind extends Error {
  constructor(readonly projections: string[], readonly position: Position) {
    super(`read models not yet at ${formatPosition(position)}: ${projections.join(", ")}`);
    this.name = "ReadModelsBehind";
  }
}

/** A projection's handler threw on an event: the event id says which one to look at. */
export class ProjectionEventFailed extends Error {
  constructor(readonly projection: string, readonly event: Pick<RecordedEvent, "id" | "type" | "position">, cause: unknown) {
    super(`projection ${projection} cannot apply event ${event.id} (${event.type}) at ${formatPosition(event.position)}: ` +
      `${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = "ProjectionEventFailed";
  }
}

/**
 * Applies events with a projection's handlers; a handler's failure names its event (for a run handler, the
 * run's first event). Events of a type with a run handler (`onRun`) go to it together, up to the next event
 * of another type the projection handles.
 */
export async function applyHandlers(projection: Projection, events: readonly RecordedEvent[], tx: Queryable): Promise<void> {
  for (let i = 0; i < events.length; i++) {
    const event = events[i];
    if (!projection.handles(event.type)) continue;
    const runHandler = projection.runHandler(event.type);
    try {
      if (!runHandler) {
        await projection.apply(event, tx);
        continue;
      }
      const run = [event];
      for (let next = i + 1; next < events.length; next++) {
        if (!projection.handles(events[next].type)) continue;
        if (events[next].type !== event.type) break;
        run.push(events[next]);
        i = next;
      }
      await runHandler(run, tx);
    } catch (error) {
      // An INSERT held back from an earlier event failed as this one's statement went out: not this event's.
      if (error instanceof HeldInsertFailed) throw error;
      throw new ProjectionEventFailed(projection.name, event, error);
    }
  }
}

// Namespace of our advisory locks (the second key is hashtext(projection name)).
const LEADER_LOCK = 7_340_022;

/** Failures in a row on one event (a retry a second apart) after which a projection counts as stuck on it. */
const FAILURES_BEFORE_STUCK = 3;

/** How long after hurry() live read models apply their batches without pausing (see batchIntervalMs). */
const HURRY_LASTS_MS = 1000;

/** How long a checkpoint advanced over events the projection ignores may wait before it is written. */
const SKIPPED_CHECKPOINT_DELAY_MS = 1000;

/**
 * Advances one generation of one projection from its checkpoint. A batch with events the projection
 * handles commits with its checkpoint; a batch of events it ignores only advances the position in memory
 * (waiters here are released at once) and the checkpoint is written shortly after, so the projections that
 * have nothing to do with an event cost the database nothing per event. Lost on a crash, such an advance is
 * re-read and ignored again.
 */
class GenerationWorker {
  private subscription?: Subscription;
  lastError?: string;
  done = false;
  /** The position the catalog row holds (the fence of the next write). */
  private persisted: Position;
  /** Events skipped since the catalog row was written. */
  private skipped = 0;
  private flushTimer?: NodeJS.Timeout;
  /** Catalog writes happen one at a time: a batch and a delayed checkpoint write never race. */
  private writes: Promise<unknown> = Promise.resolve();

  constructor(
    readonly projection: Projection,
    public generation: Generation,
    private readonly runner: ProjectionRunner,
  ) {
    this.persisted = generation.position;
  }

  start(): void {
    const { store } = this.runner.options;
    this.subscription = store.subscribeToAll({
      after: this.generation.position,
      // A new generation is built from the log as stored (a rebuild is how altered events come to light).
      asStored: this.generation.status === "building",
      onEvents: (events) => this.apply(events),
      onError: (error) => this.runner.workerFailed(this, error),
    });
  }

  async stop(): Promise<void> {
    const wasRunning = !this.done;
    this.done = true;
    // The subscription waits for its handler, which may be in a pause between batches.
    this.runner.endPauses();
    await this.subscription?.stop();
    clearTimeout(this.flushTimer);
    if (wasRunning) await this.serially(() => this.writeSkipped()).catch(() => {});
  }

  private serially<T>(write: () => Promise<T>): Promise<T> {
    const result = this.writes.then(write);
    this.writes = result.catch(() => {});
    return result;
  }

  private async apply(events: RecordedEvent[]): Promise<void> {
    if (this.done || events.length === 0) return;
    const handles = events.some((event) => this.projection.handles(event.type));
    if (!handles && this.generation.status === "live") return this.skip(events);
    const startedAt = performance.now();
    const releasedWaiters = await this.serially(() => this.applyBatch(events));
    // Holding the subscription back lets the events that arrive meanwhile make one larger next batch. A batch
    // somebody waited for is not held back: whoever waited may write again at once.
    const pause = startedAt + (this.runner.options.batchIntervalMs ?? 0) - performance.now();
    if (pause > 0 && !releasedWaiters && !this.done && this.generation.status === "live") await this.runner.pause(pause);
  }

  private skip(events: RecordedEvent[]): void {
    this.generation = {
      ...this.generation,
      position: events[events.length - 1].position,
      eventsApplied: this.generation.eventsApplied + BigInt(events.length),
    };
    this.skipped += events.length;
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      void this.serially(() => this.writeSkipped()).catch((error) => this.runner.workerFailed(this, error));
    }, SKIPPED_CHECKPOINT_DELAY_MS);
    this.runner.advanced(this, false);
  }

  /** Writes the checkpoint advanced over skipped events, if any. */
  private async writeSkipped(): Promise<void> {
    if (this.skipped === 0) return;
    // Events skipped while this write is in flight stay counted for the next one.
    const [to, count] = [this.generation.position, this.skipped];
    const fence = { ...this.generation, position: this.persisted };
    // Lost on a crash, this advance is re-read and skipped again: it need not wait for the WAL flush. The two
    // statements sent together are one transaction of their own: one round trip, no begin and commit.
    try {
      await this.runner.options.db.exec(`set local synchronous_commit to off; ${advanceStatement(fence, to, count)}`);
    } catch (error) {
      if (isStaleGeneration(error)) return this.retire();
      throw error;
    }
    this.persisted = to;
    this.skipped -= count;
  }

  private retire(): void {
    // Another worker took over (a swap retired this generation, or another process leads now).
    this.done = true;
    this.runner.workerRetired(this);
  }

  /** Applies a batch with its checkpoint; answers whether read-your-writes waiters were waiting as it committed. */
  private async applyBatch(events: RecordedEvent[]): Promise<boolean> {
    if (this.done) return false;
    const { db, store, onBatch } = this.runner.options;
    const started = process.hrtime.bigint();
    const last = events[events.length - 1].position;
    const head = this.generation.status === "building" ? await store.headPosition() : undefined;
    const schema = generationSchema(this.projection.name, this.generation.generation);
    const fence = { ...this.generation, position: this.persisted };
    const applied = events.length + this.skipped;
    let swapped = false;
    await db.transaction(async (tx) => {
      // Read models are derived: a crash can lose only the newest commits, each a batch together with its
      // checkpoint, and the runner re-applies those events from the durable log. So no commit of ours waits
      // for the WAL flush (the events' own appends do): the disk is left to the writes that need it.
      // The checkpoint goes first, with the `begin` and `set local`s: one round trip for the three, and a
      // batch whose generation moved on stops before its handlers run.
      await tx.exec(`set local search_path to ${schema}, public; set local synchronous_commit to off; ` +
        advanceStatement(fence, last, applied));
      const handlerTx = this.runner.coalesces(this.projection.name) ? new CoalescingQueryable(tx) : undefined;
      await applyHandlers(this.projection, events, handlerTx ?? tx);
      // Every write of the batch reaches the database before the commit.
      await handlerTx?.flush();
      if (head) {
        swapped = await swapIfCaughtUp(tx, this.projection, { ...this.generation, position: last }, head,
          comparePositions);
      }
    }, { beforeCommit: this.runner.options.batchCommitStatement }).catch((error) => {
      if (isStaleGeneration(error)) return this.retire();
      throw error;
    });
    if (this.done) return false;
    this.persisted = last;
    this.skipped = 0;
    this.generation = {
      ...this.generation,
      position: last,
      eventsApplied: this.generation.eventsApplied + BigInt(events.length),
      status: swapped ? "live" : this.generation.status,
    };
    this.lastError = undefined;
    onBatch?.(this.projection.name, events.length, Number(process.hrtime.bigint() - started) / 1e9);
    const awaited = this.runner.awaited();
    this.runner.advanced(this, swapped);
    return awaited;
  }
}

export class ProjectionRunner {
  private readonly workers = new Map<string, GenerationWorker[]>();
  private readonly led = new Set<string>();
  private readonly errors = new Map<string, string>();
  /** Projections whose live generation fails on an event, with that event's id. */
  private readonly failingOn = new Map<string, string>();
  /** The event each projection failed on last, and how many times in a row. */
  private readonly failures = new Map<string, { eventId: string; count: number }>();
  /**
   * Projections whose last batch failed without naming an event (an INSERT held back by CoalescingQueryable
   * fails when the batch flushes, not in its handler): until they advance again, their handlers' statements go
   * out one by one, so that the failure, again, names its event for health and for "stuck".
   */
  private readonly unnamedFailures = new Set<string>();
  /** Read-your-writes waiters in this process now: while there are any, no batch pauses. */
  private waiters = 0;
  /** Until when (performance.now()) waiters in another process keep batches from pausing (hurry). */
  private hurriedUntil = -Infinity;
  /** The ends of the pauses between batches in progress. */
  private readonly pauses = new Set<() => void>();
  private stopping = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private advanceListeners: Array<() => void> = [];
  /**
   * The catalog as read last for waiters on projections another process leads, and the read in flight: one
   * read at a time, shared by every waiter whose check began before it was sent (catalogSince).
   */
  private catalogRead?: { sentAt: number; generations: Promise<Generation[]> };
  private lastCatalog?: { sentAt: number; generations: Generation[] };
  /** Old generations being stopped and dropped after a swap; stop() waits for them. */
  private readonly retirements = new Set<Promise<void>>();

  constructor(readonly options: ProjectionRunnerOptions) {}

  private get logger(): RunnerLogger {
    return this.options.logger ?? silent;
  }

  /** Creates the catalog and starts competing for leadership; returns once this process has tried once. */
  async start(): Promise<void> {
    await ensureCatalog(this.options.db);
    let firstRound!: () => void;
    const tried = new Promise<void>((resolve) => (firstRound = resolve));
    this.loop = this.leadForever(firstRound);
    await tried;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    await Promise.all(this.retirements);
  }

  /**
   * Resolves once every projection's live read model includes `position`; throws ReadModelsBehind after
   * timeoutMs. A projection this process leads that is stuck on an event (it failed on it
   * FAILURES_BEFORE_STUCK times in a row) is not waited for (status(), health and the logs name the event):
   * one read model that cannot move must not hold up every write. Given the types of the events a write
   * appended, only the projections that handle one of them are waited for: the others' read models are not
   * changed by it (and a projection led by another process records its passing over them once a second).
   */
  async waitFor(position: Position, timeoutMs: number, types: readonly string[] = []): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const concerned = types.length === 0 ? this.options.projections
      : this.options.projections.filter((projection) => types.some((type) => projection.handles(type)));
    this.waiters++;
    this.endPauses();
    try {
      for (;;) {
        const behind = await this.projectionsBehind(position, concerned);
        if (behind.length === 0) return;
        const remaining = deadline - Date.now();
        if (remaining <= 0) throw new ReadModelsBehind(behind, position);
        // In-process advances wake us at once, another process's by its notification (advancedElsewhere);
        // the poll covers a notification lost.
        await this.nextAdvance(Math.min(remaining, this.options.othersPollMs ?? 25));
      }
    } finally {
      this.waiters--;
    }
  }

  /**
   * Waiters in another process wait for read models, perhaps for ones this process leads: for a while, no batch
   * pauses (see batchIntervalMs).
   */
  hurry(): void {
    this.hurriedUntil = performance.now() + HURRY_LASTS_MS;
    this.endPauses();
  }

  /** Whether read-your-writes waiters wait, here or (hurry) in another process. */
  awaited(): boolean {
    return this.waiters > 0 || performance.now() < this.hurriedUntil;
  }

  /** A pause between two batches of a live read model: over after `ms`, or sooner when somebody waits. */
  pause(ms: number): Promise<void> {
    if (this.stopping || this.awaited()) return Promise.resolve();
    return new Promise((resolve) => {
      const end = () => {
        clearTimeout(timer);
        this.pauses.delete(end);
        resolve();
      };
      const timer = setTimeout(end, ms);
      this.pauses.add(end);
    });
  }

  endPauses(): void {
    for (const end of [...this.pauses]) end();
  }

  async status(): Promise<ProjectionStatus[]> {
    const { db, store } = this.options;
    const head = await store.headPosition();
    const generations = await listGenerations(db);
    const result: ProjectionStatus[] = [];
    for (const projection of this.options.projections) {
      const mine = generations.filter((g) => g.name === projection.name);
      // A worker here is ahead of its catalog row by the events it skipped since it last wrote it.
      const live = this.liveWorkerOf(projection.name)?.generation ?? mine.find((g) => g.status === "live");
      const building = mine.find((g) => g.status === "building");
      const caughtUp = !!live && live.version === projection.version && comparePositions(live.position, head) >= 0;
      let lagSeconds = 0;
      if (!caughtUp) {
        const [next] = await store.readAll({ after: live?.position, limit: 1 });
        if (next) lagSeconds = Math.max(0, (Date.now() - next.recordedAt.getTime()) / 1000);
      }
      const show = (g: Generation | undefined) => g && {
        generation: g.generation, version: g.version, position: formatPosition(g.position),
        eventsApplied: g.eventsApplied.toString(),
      };
      result.push({
        name: projection.name, version: projection.version, ledHere: this.led.has(projection.name),
        live: show(live), building: show(building), head: formatPosition(head), caughtUp, lagSeconds,
        lastError: this.errors.get(projection.name), failingEventId: this.failingOn.get(projection.name),
      });
    }
    return result;
  }

  /** Projections this process leads that fail on an event, with the event's id. */
  failing(): Array<{ projection: string; eventId: string }> {
    return [...this.failingOn].map(([projection, eventId]) => ({ projection, eventId }));
  }

  // --- worker callbacks ---

  advanced(worker: GenerationWorker, swapped: boolean): void {
    if (swapped) {
      this.logger.info({ projection: worker.projection.name, generation: worker.generation.generation },
        "rebuilt projection is live");
      const retiring = this.retireOthers(worker);
      this.retirements.add(retiring);
      void retiring.finally(() => this.retirements.delete(retiring));
    }
    this.errors.delete(worker.projection.name);
    this.unnamedFailures.delete(worker.projection.name);
    if (worker.generation.status === "live") {
      this.failingOn.delete(worker.projection.name);
      this.failures.delete(worker.projection.name);
    }
    this.wakeWaiters();
  }

  /**
   * Another process committed a batch of a read model it leads (its notification): waiters on read models
   * led elsewhere look at the catalog again now instead of at their next poll.
   */
  advancedElsewhere(): void {
    this.wakeWaiters();
  }

  private wakeWaiters(): void {
    const listeners = this.advanceListeners;
    this.advanceListeners = [];
    for (const listener of listeners) listener();
  }

  workerRetired(worker: GenerationWorker): void {
    const list = this.workers.get(worker.projection.name) ?? [];
    this.workers.set(worker.projection.name, list.filter((w) => w !== worker));
  }

  /** Whether a projection's batch may send runs of INSERTs as one (see unnamedFailures). */
  coalesces(projection: string): boolean {
    return this.options.coalesceInserts !== false && !this.unnamedFailures.has(projection);
  }

  workerFailed(worker: GenerationWorker, error: unknown): void {
    const failed = error instanceof ProjectionEventFailed ? error.event : undefined;
    if (!failed) this.unnamedFailures.add(worker.projection.name);
    const cause = failed ? (error as ProjectionEventFailed).cause : error;
    const message = cause instanceof Error ? cause.message : String(cause);
    worker.lastError = message;
    this.errors.set(worker.projection.name, message);
    if (failed && worker.generation.status === "live") {
      this.options.onEventFailed?.(worker.projection.name, failed.id);
      const previous = this.failures.get(worker.projection.name);
      const count = previous?.eventId === failed.id ? previous.count + 1 : 1;
      this.failures.set(worker.projection.name, { eventId: failed.id, count });
      // The same event failing again and again is not a hiccup: read-your-writes stops waiting for this
      // projection (the others keep answering), health names it, until it moves again.
      if (count >= FAILURES_BEFORE_STUCK) this.failingOn.set(worker.projection.name, failed.id);
    }
    this.logger.error({ projection: worker.projection.name, generation: worker.generation.generation, err: message,
      ...(failed && { event_id: failed.id, event_type: failed.type }) },
      "projection batch failed; will retry from its checkpoint");
    // Waiters re-check at once, so they stop waiting for a projection that cannot move.
    this.wakeWaiters();
    // Restart from the committed checkpoint after a pause; the failed batch left no trace.
    this.workerRetired(worker);
    void worker.stop();
    this.resumeLater(worker.projection, 1000);
  }

  /** Restarts a led projection's workers after a pause, retrying with backoff while that fails (database down). */
  private resumeLater(projection: Projection, delayMs: number): void {
    setTimeout(() => {
      if (this.stopping || !this.led.has(projection.name)) return;
      this.resume(projection).catch((error: unknown) => {
        this.logger.warn({ projection: projection.name, err: error instanceof Error ? error.message : String(error) },
          "could not restart projection; retrying");
        this.resumeLater(projection, Math.min(delayMs * 2, 10_000));
      });
    }, delayMs).unref();
  }

  // --- leadership ---

  private async leadForever(firstRound: () => void): Promise<void> {
    while (!this.stopping) {
      try {
        await this.options.db.session((session) => this.leadWhileConnected(session, firstRound));
      } catch (error) {
        this.logger.warn({ err: error instanceof Error ? error.message : String(error) },
          "projection leadership session lost; retrying");
      } finally {
        await this.stopAllWorkers();
        this.led.clear();
        firstRound();
      }
      if (!this.stopping) await this.sleep(this.options.leaderPollMs ?? 1000);
    }
  }

  private async leadWhileConnected(session: Queryable, firstRound: () => void): Promise<void> {
    try {
      while (!this.stopping) {
        // Asked once a round for all of them: a query per projection was a tenth of the leader's statements.
        const rebuilds = this.led.size > 0 ? await rebuildsRequested(session) : new Set<string>();
        for (const projection of this.options.projections) {
          if (!this.led.has(projection.name)) {
            const { rows } = await session.query<{ ok: boolean }>(
              "select pg_try_advisory_lock($1, hashtext($2)) as ok", [LEADER_LOCK, projection.name]);
            if (rows[0].ok) {
              this.led.add(projection.name);
              this.logger.info({ projection: projection.name }, "leading projection");
              await this.resume(projection);
            }
          } else if (rebuilds.has(projection.name) && !this.isBuilding(projection)) {
            await this.startBuild(projection);
          }
        }
        firstRound();
        await this.sleep(this.options.leaderPollMs ?? 1000);
      }
    } finally {
      await this.stopAllWorkers();
      await session.query("select pg_advisory_unlock_all()").catch(() => {});
    }
  }

  /** Starts the workers a led projection needs, from what the catalog says. */
  private async resume(projection: Projection): Promise<void> {
    const { db } = this.options;
    await this.stopWorkers(projection.name);
    const generations = await listGenerations(db, projection.name);
    let live = generations.find((g) => g.status === "live");
    if (!live) live = await createGeneration(db, projection);
    // A live generation built by another version of the code is left as it is (stale, still served)
    // until the new version's build catches up and replaces it.
    if (live.version === projection.version) this.startWorker(projection, live);
    const building = generations.find((g) => g.status === "building");
    if (building && building.version === projection.version) this.startWorker(projection, building);
    else if (live.version !== projection.version || building) await this.startBuild(projection);
    // Only the leader retires a generation, and the code that retires one drops it: what is left to drop
    // here is what a crash left behind, and the list above shows it.
    if (generations.some((g) => g.status === "retired")) await dropRetired(db, projection.name);
  }

  private async startBuild(projection: Projection): Promise<void> {
    const { db } = this.options;
    const stale = (await listGenerations(db, projection.name)).find(
      (g) => g.status === "building" && g.version !== projection.version);
    if (stale) {
      await db.query("update projection_generations set status = 'retired' where name = $1 and generation = $2",
        [projection.name, stale.generation]);
      await dropRetired(db, projection.name);
    }
    const building = await createGeneration(db, projection);
    this.logger.info({ projection: projection.name, generation: building.generation }, "rebuilding projection");
    this.startWorker(projection, building);
  }

  private startWorker(projection: Projection, generation: Generation): void {
    const worker = new GenerationWorker(projection, generation, this);
    const list = this.workers.get(projection.name) ?? [];
    list.push(worker);
    this.workers.set(projection.name, list);
    worker.start();
  }

  private isBuilding(projection: Projection): boolean {
    return (this.workers.get(projection.name) ?? []).some((w) => w.generation.status === "building");
  }

  private async retireOthers(live: GenerationWorker): Promise<void> {
    const others = (this.workers.get(live.projection.name) ?? []).filter((w) => w !== live);
    this.workers.set(live.projection.name, [live]);
    await Promise.all(others.map((w) => w.stop()));
    await dropRetired(this.options.db, live.projection.name).catch((error) =>
      this.logger.warn({ projection: live.projection.name, err: String(error) }, "could not drop retired generation"));
  }

  private async stopWorkers(name: string): Promise<void> {
    const list = this.workers.get(name) ?? [];
    this.workers.delete(name);
    await Promise.all(list.map((w) => w.stop()));
  }

  private async stopAllWorkers(): Promise<void> {
    await Promise.all([...this.workers.keys()].map((name) => this.stopWorkers(name)));
  }

  // --- waiting ---

  private liveWorkerOf(name: string): GenerationWorker | undefined {
    return (this.workers.get(name) ?? []).find((w) => !w.done && w.generation.status === "live");
  }

  private async projectionsBehind(position: Position, projections: readonly Projection[]): Promise<string[]> {
    const behind: string[] = [];
    const checkedAt = performance.now();
    let fromCatalog: Generation[] | undefined;
    let waitingOnOthers = false;
    for (const projection of projections) {
      if (this.failingOn.has(projection.name)) continue;
      const here = this.liveWorkerOf(projection.name)?.generation;
      let live = here;
      if (!live) {
        fromCatalog ??= await this.catalogSince(checkedAt);
        live = fromCatalog.find((g) => g.name === projection.name && g.status === "live");
      }
      if (!live || live.version !== projection.version || comparePositions(live.position, position) < 0) {
        behind.push(projection.name);
        if (!here) waitingOnOthers = true;
      }
    }
    if (waitingOnOthers) this.options.onWaitingOnOthers?.();
    return behind;
  }

  /**
   * The catalog as a read sent at or after `since` found it. Waiters on projections led elsewhere poll the
   * catalog, and each used to send its own read (twenty waiters, twenty reads). Now one read is in flight at
   * a time, and it answers every check begun before it was sent: what a check sees is never older than the
   * check.
   */
  private async catalogSince(since: number): Promise<Generation[]> {
    for (;;) {
      if (this.lastCatalog && this.lastCatalog.sentAt >= since) return this.lastCatalog.generations;
      const inFlight = this.catalogRead;
      if (inFlight && inFlight.sentAt >= since) return inFlight.generations;
      if (inFlight) {
        // Sent before this check began: wait for it to end, then share (or send) the next one.
        await inFlight.generations.catch(() => {});
        continue;
      }
      const read = { sentAt: performance.now(), generations: listGenerations(this.options.db) };
      this.catalogRead = read;
      try {
        const generations = await read.generations;
        // One read at a time: each is newer than the one before.
        this.lastCatalog = { sentAt: read.sentAt, generations };
        return generations;
      } finally {
        if (this.catalogRead === read) this.catalogRead = undefined;
      }
    }
  }

  private nextAdvance(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.advanceListeners.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}
