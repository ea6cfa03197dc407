/**
 * The input harnesses on one server, in order: the fuzzer, the concurrency rounds, then the leak scan over
 * everything they left behind (tables, logs, files, error bodies).
 */
import { runConcurrency, type ConcurrencyReport } from "./concurrency.js";
import { buildWorld, runFuzz, type FuzzReport } from "./fuzz.js";
import { scanForLeaks, type LeakReport } from "./leak-scan.js";
import { startServerProcess } from "./server-process.js";

export interface InputHarnessOptions {
  /** Fuzzer requests (0: skip). */
  fuzzRequests: number;
  /** Concurrency rounds of 200 callers (0: skip). */
  rounds: number;
  callers?: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface InputHarnessReport {
  server: string;
  fuzz?: FuzzReport;
  concurrency?: ConcurrencyReport;
  leaks: LeakReport;
  violations: string[];
}

export async function runInputHarnesses(options: InputHarnessOptions): Promise<InputHarnessReport> {
  const log = options.log ?? (() => {});
  const server = await startServerProcess("input-harness");
  try {
    log(`server on ${server.parts} at ${server.url}`);
    const world = await buildWorld(server);
    const needles = [...world.plaintexts, ...world.credentials];
    const errorBodies: string[] = [];
    const onAnswer = (status: number, body: string) => { if (status >= 400) errorBodies.push(body); };
    const fuzz = options.fuzzRequests > 0
      ? await runFuzz(server, world, { requests: options.fuzzRequests, seed: options.seed, log, onAnswer }) : undefined;
    const concurrency = options.rounds > 0
      ? await runConcurrency(server, { rounds: options.rounds, callers: options.callers, log, onAnswer,
        onPlaintext: (value) => needles.push(value) }) : undefined;
    log("leak scan: tables, logs, files, error bodies");
    const leaks = await scanForLeaks(server, needles, errorBodies);
    const violations = [...(fuzz?.violations ?? []), ...(concurrency?.violations ?? []), ...leaks.violations];
    return { server: server.parts, fuzz, concurrency, leaks, violations };
  } finally {
    await server.stop();
  }
}
