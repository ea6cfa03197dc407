/**
 * Projection runner measures, on a realistic read model: an audit log with one row per event (ten columns,
 * primary key on the event id, an index on actor and time), one insert per event, as the audit projection does.
 *
 * - catch-up: a new runner builds the live generation from position 0 over the events already stored;
 * - rebuild: requestRebuild, then a blue/green build from position 0 until the swap;
 * - apply: the runner following appends made at concurrency 32 while it runs (sustained rate, its busy
 *   share, and the lag from an append to its read-model row being committed).
 */
import { projection } from "../projections/projection.js";
import type { Queryable } from "../src/db/database.js";
import type { Position, RecordedEvent } from "../src/eventstore/port.js";
import { listGenerations, requestRebuild } from "../src/projection-runner/catalog.js";
import { ProjectionRunner, type RunnerLogger } from "../src/projection-runner/runner.js";
import { onCleanup } from "./cleanup.js";
import { cpuMeter, describeCpu, formatRate, ms, note, now, percentile, progress, type Report } from "./stats.js";
import { StreamCursor, countAll, seed, type StoreTarget } from "./stores.js";

const NAME = "bench_audit";

async function insertAuditRow(event: RecordedEvent, tx: Queryable): Promise<void> {
  const m = event.metadata;
  await tx.query(
    `insert into bench_audit_log (event_id, stream, revision, event_type, actor_type, actor_id, org_id, request_id,
       client_ip, occurred_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [event.id, event.stream, event.revision.toString(), event.type, m.actor?.type ?? null, m.actor?.id ?? null,
      m.org_id ?? null, m.request_id ?? null, m.client_ip ?? null, m.occurred_at ?? event.recordedAt.toISOString()],
  );
}

export const auditLog = projection({
  name: NAME,
  version: 1,
  tables: ["bench_audit_log"],
  schema: `
    create table bench_audit_log (
      event_id uuid primary key,
      stream text not null,
      revision bigint not null,
      event_type text not null,
      actor_type text,
      actor_id text,
      org_id uuid,
      request_id uuid,
      client_ip inet,
      occurred_at timestamptz not null
    );
    create index bench_audit_log_actor on bench_audit_log (actor_id, occurred_at);`,
  // Like the audit log, it records every fact (the bench store holds only its own audit-like events).
  everyEvent: insertAuditRow,
});

export interface ProjectionBenchOptions {
  /** Events in the store for catch-up and rebuild. */
  events: number;
  /** How long appenders run while the runner follows. */
  followSeconds: number;
  /** Rebuilds to take the median of. */
  trials: number;
}

class Watch {
  applied = 0;
  busySeconds = 0;
  batches = 0;
  swapped?: () => void;
  failures: string[] = [];

  readonly logger: RunnerLogger = {
    info: (_fields, message) => {
      if (message === "rebuilt projection is live") this.swapped?.();
    },
    warn: () => {},
    error: (fields) => this.failures.push(JSON.stringify(fields)),
  };

  onBatch = (_name: string, events: number, seconds: number) => {
    this.applied += events;
    this.busySeconds += seconds;
    this.batches += 1;
  };

  reset(): void {
    this.applied = 0;
    this.busySeconds = 0;
    this.batches = 0;
  }
}

/** Advances a progress bar from the runner's batch counter until `until` settles. */
async function withProgress<T>(label: string, total: number, watch: Watch, until: Promise<T>): Promise<T> {
  const bar = progress(label, total);
  const timer = setInterval(() => bar.update(watch.applied), 200);
  try {
    return await until;
  } finally {
    clearInterval(timer);
    bar.stop();
  }
}

export async function benchProjections(target: StoreTarget, report: Report, options: ProjectionBenchOptions): Promise<void> {
  const { store, db } = target;
  const present = await countAll(store, options.events);
  if (present < options.events) await seed(store, options.events - present, `${target.name} seed to ${options.events} events`);
  const stored = await countAll(store, Number.MAX_SAFE_INTEGER, 5000);

  const watch = new Watch();
  const runner = new ProjectionRunner({
    db, store, projections: [auditLog], logger: watch.logger, leaderPollMs: 50, onBatch: watch.onBatch,
  });
  const stopRunner = onCleanup(() => runner.stop());
  try {
    // 1. Catch-up: the first (live) generation from position 0.
    let started = now();
    let cpu = cpuMeter();
    await runner.start();
    const head = await store.headPosition();
    await withProgress(`${target.name} catch-up`, stored, watch, runner.waitFor(head, 600_000));
    let seconds = (now() - started) / 1000;
    report.add({
      target: target.name, measure: "projection catch-up (new, live)", rate: watch.applied / seconds, unit: "events/s",
      detail: `${watch.applied} events in ${seconds.toFixed(1)} s, ${watch.batches} batches (mean ${Math.round(watch.applied / watch.batches)}); ${describeCpu(cpu())}`,
    });

    // 2. Blue/green rebuild from 0 until the swap, `trials` times (median).
    const rebuilds: Array<{ rate: number; seconds: number; busyRate: number }> = [];
    cpu = cpuMeter();
    for (let trial = 0; trial < options.trials; trial++) {
      watch.reset();
      const swapped = new Promise<void>((resolve) => (watch.swapped = resolve));
      started = now();
      await requestRebuild(db, NAME);
      await withProgress(`${target.name} rebuild ${trial + 1}/${options.trials}`, stored, watch, swapped);
      seconds = (now() - started) / 1000;
      const live = (await listGenerations(db, NAME)).find((g) => g.status === "live")!;
      const rows = await db.query<{ n: string }>("select count(*)::text as n from public.bench_audit_log");
      if (Number(rows.rows[0].n) !== stored || live.eventsApplied !== BigInt(stored)) {
        throw new Error(`rebuild produced ${rows.rows[0].n} rows / ${live.eventsApplied} applied, expected ${stored}`);
      }
      rebuilds.push({ rate: stored / seconds, seconds, busyRate: watch.applied / watch.busySeconds });
    }
    const rebuildCpu = cpu();
    rebuilds.sort((a, b) => a.rate - b.rate);
    const middle = rebuilds[Math.floor(rebuilds.length / 2)];
    report.add({
      target: target.name, measure: "projection rebuild (blue/green)", rate: middle.rate, unit: "events/s",
      detail: `${stored} events from request to swap, median of ${rebuilds.length} (${middle.seconds.toFixed(1)} s); ` +
        `trials ${rebuilds.map((r) => formatRate(r.rate)).join(", ")}/s; runner busy ${formatRate(middle.busyRate)}/s; ${describeCpu(rebuildCpu)}`,
    });

    // 3. Following live appends at concurrency 32.
    watch.reset();
    note(`${target.name}: runner following appends at c=32 for ${options.followSeconds} s`);
    const cursors = Array.from({ length: 32 }, () => new StreamCursor());
    let last: Position | undefined;
    let appended = 0;
    const deadline = now() + options.followSeconds * 1000;
    const lags: number[] = [];
    const sampled: Array<Promise<void>> = [];
    cpu = cpuMeter();
    started = now();
    await Promise.all(cursors.map(async (cursor, worker) => {
      for (let i = 0; now() < deadline; i++) {
        const position = await cursor.appendOne(store, worker * 1_000_000 + i);
        appended++;
        last = position;
        // One append in 20 is followed to its read-model row (waitFor wakes on every committed batch).
        if (worker === 0 && i % 20 === 0) {
          const at = now();
          sampled.push(runner.waitFor(position, 120_000).then(() => void lags.push(now() - at)));
        }
      }
    }));
    const appendSeconds = (now() - started) / 1000;
    const drainStarted = now();
    await runner.waitFor(last!, 120_000);
    await Promise.all(sampled);
    const drain = now() - drainStarted;
    seconds = (now() - started) / 1000;
    const followCpu = cpu();
    lags.sort((a, b) => a - b);
    report.add({
      target: target.name, measure: "projection apply (following c=32)", rate: watch.applied / seconds, unit: "events/s",
      detail: `${appended} appended at ${formatRate(appended / appendSeconds)}/s; lag append->row p50 ${ms(percentile(lags, 50))}, ` +
        `p99 ${ms(percentile(lags, 99))}; mean batch ${Math.round(watch.applied / watch.batches)}, ` +
        `runner busy ${Math.round((100 * watch.busySeconds) / seconds)}% (${formatRate(watch.applied / watch.busySeconds)}/s busy); drain ${ms(drain)}; ${describeCpu(followCpu)}`,
    });
    if (watch.failures.length > 0) throw new Error(`projection batches failed: ${watch.failures[0]}`);
  } finally {
    await stopRunner();
  }
}
