/**
 * Small measuring kit shared by the benchmarks: clocks, percentiles, time-boxed load at a given
 * concurrency, a progress bar for long phases, and the table of results printed at the end.
 */
import cliProgress from "cli-progress";
import { readFileSync } from "node:fs";
import { cpus } from "node:os";

/** Milliseconds on a monotonic clock. */
export function now(): number {
  return performance.now();
}

/** Nearest-rank percentile of already sorted values (p in 0..100). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function median(values: readonly number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

export interface LoadResult {
  /** Median over the trials of operations per second. */
  rate: number;
  /** Lowest and highest trial rates, to show the spread. */
  min: number;
  max: number;
  /** Latency percentiles over every operation of every trial, in ms. */
  p50: number;
  p99: number;
  operations: number;
  /** CPU use over all trials (see cpuMeter). */
  cpu: { node: number; machine: number };
}

export interface LoadOptions {
  concurrency: number;
  trials: number;
  /** Length of each trial. */
  seconds: number;
  /** Called before each trial with its number (0-based), e.g. for progress. */
  onTrial?(trial: number): void;
}

/**
 * Runs `operation` from `concurrency` workers for `seconds`, `trials` times. The rate of a trial counts the
 * operations that finished inside it; workers finish the operation they are in before the next trial.
 * `operation(worker, i)` gets the worker's index and its running count (for per-worker streams).
 */
export async function timedLoad(
  options: LoadOptions,
  operation: (worker: number, i: number) => Promise<unknown>,
): Promise<LoadResult> {
  const rates: number[] = [];
  const latencies: number[] = [];
  const counters = new Array<number>(options.concurrency).fill(0);
  const cpu = cpuMeter();
  for (let trial = 0; trial < options.trials; trial++) {
    options.onTrial?.(trial);
    let done = 0;
    const started = now();
    const deadline = started + options.seconds * 1000;
    await Promise.all(counters.map(async (_, worker) => {
      while (now() < deadline) {
        const t0 = now();
        await operation(worker, counters[worker]++);
        latencies.push(now() - t0);
        done++;
      }
    }));
    rates.push(done / ((now() - started) / 1000));
  }
  const used = cpu();
  latencies.sort((a, b) => a - b);
  return {
    cpu: used,
    rate: median(rates), min: Math.min(...rates), max: Math.max(...rates),
    p50: percentile(latencies, 50), p99: percentile(latencies, 99), operations: latencies.length,
  };
}

// --- progress ---

export interface Progress {
  /** Sets the amount done so far. */
  update(done: number): void;
  stop(): void;
}

/**
 * A progress bar on stderr when it is a terminal; otherwise nothing (piped output stays clean).
 * Results go to stdout, so `npm run bench > out.txt` keeps the bars on screen and the figures in the file.
 */
export function progress(label: string, total: number, unit = "events"): Progress {
  if (!process.stderr.isTTY) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar({
    format: `  ${label.padEnd(34)} [{bar}] {percentage}% {value}/{total} ${unit} {rate}/s ETA {eta_formatted}`,
    barsize: 24, hideCursor: true, clearOnComplete: true, stream: process.stderr, etaBuffer: 50,
  }, cliProgress.Presets.shades_classic);
  const started = now();
  bar.start(total, 0, { rate: 0 });
  return {
    update(done) {
      const rate = Math.round(done / Math.max(0.001, (now() - started) / 1000));
      bar.update(Math.min(done, total), { rate });
    },
    stop() {
      bar.stop();
    },
  };
}

/** A one-line note on stderr (phase changes), so stdout holds only results. */
export function note(message: string): void {
  process.stderr.write(`  … ${message}\n`);
}

// --- results ---

export interface Figure {
  /** Which configuration: "postgres", "pglite", "local", "pkcs11", ... */
  target: string;
  /** What was measured, e.g. "append c=32". */
  measure: string;
  /** Operations (or events) per second. */
  rate: number;
  unit: string;
  /** Anything else worth knowing: latencies, spread, sizes. */
  detail: string;
}

export class Report {
  readonly figures: Figure[] = [];
  readonly skipped: string[] = [];

  add(figure: Figure): void {
    this.figures.push(figure);
    console.log(`${figure.target.padEnd(10)} ${figure.measure.padEnd(30)} ${formatRate(figure.rate).padStart(9)} ${figure.unit.padEnd(9)} ${figure.detail}`);
  }

  skip(target: string, reason: string): void {
    const line = `${target}: skipped (${reason})`;
    this.skipped.push(line);
    console.log(line);
  }

  /** The whole run as a Markdown table (pasted into BENCHMARKS.md). */
  markdown(): string {
    const lines = ["| target | measure | rate | unit | detail |", "|---|---|---:|---|---|"];
    for (const f of this.figures) lines.push(`| ${f.target} | ${f.measure} | ${formatRate(f.rate)} | ${f.unit} | ${f.detail} |`);
    for (const s of this.skipped) lines.push(`| ${s} | | | | |`);
    return lines.join("\n");
  }
}

export function formatRate(rate: number): string {
  if (!Number.isFinite(rate)) return "n/a";
  return Math.round(rate).toLocaleString("en-US");
}

export function ms(value: number): string {
  return value < 1 ? `${value.toFixed(2)} ms` : value < 10 ? `${value.toFixed(1)} ms` : `${Math.round(value)} ms`;
}

/** "p50 1.2 ms p99 8 ms (spread 2,900-3,100/s)" */
export function describeLoad(result: LoadResult): string {
  return `p50 ${ms(result.p50)}, p99 ${ms(result.p99)}; trials ${formatRate(result.min)}-${formatRate(result.max)}/s; ${describeCpu(result.cpu)}`;
}

// --- CPU ---

function machineTicks(): { busy: number; total: number } | undefined {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0];
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = fields[3] + (fields[4] ?? 0);
    const total = fields.reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

/**
 * CPU use over an interval, in cores (1.0 = one core fully busy): this Node process, and the whole machine
 * (PostgreSQL, SoftHSM threads, other jobs). Tells which side a figure is bound by.
 */
export function cpuMeter(): () => { node: number; machine: number } {
  const started = now();
  const node = process.cpuUsage();
  const machine = machineTicks();
  const cores = cpus().length;
  return () => {
    const wall = (now() - started) / 1000;
    const used = process.cpuUsage(node);
    const after = machineTicks();
    const machineCores = machine && after && after.total > machine.total
      ? ((after.busy - machine.busy) / (after.total - machine.total)) * cores : NaN;
    return { node: (used.user + used.system) / 1e6 / wall, machine: machineCores };
  };
}

export function describeCpu(cpu: { node: number; machine: number }): string {
  return `CPU node ${cpu.node.toFixed(2)} + rest ${(cpu.machine - cpu.node).toFixed(2)} of ${cpus().length} cores`;
}
