/** `keyledger audit verify`: re-derives the audit hash chain from the event store, with a progress bar. */
import { Presets, SingleBar } from "cli-progress";
import { auditEventsProjection } from "../../projections/audit-events.js";
import { openKeyProvider, withStores } from "../app/stores.js";
import { verifyAuditChain, type ChainVerification } from "../audit/verify.js";
import type { Config } from "../config.js";
import { ProjectionRunner } from "../projection-runner/runner.js";

export interface AuditVerifyOptions {
  json?: boolean;
  /** The report (default stdout). */
  out?: NodeJS.WritableStream;
  /** The progress bar (default stderr). */
  progress?: NodeJS.WritableStream;
  /** How long to wait for the audit log to include the newest event first. */
  catchUpTimeoutMs?: number;
}

/** Verifies the whole chain; resolves with the result (the caller sets the exit code from chainValid). */
export async function auditVerifyCommand(config: Config, options: AuditVerifyOptions = {}): Promise<ChainVerification> {
  const out = options.out ?? process.stdout;
  const keys = await openKeyProvider(config);
  try {
    return await withStores(config, async ({ db, store }) => {
      // The audit log must reach the log's head first: a running server brings it there, or this process.
      const runner = new ProjectionRunner({ db, store, projections: [auditEventsProjection], leaderPollMs: 200 });
      await runner.start();
      try {
        await runner.waitFor(await store.headPosition(), options.catchUpTimeoutMs ?? 600_000);
      } finally {
        await runner.stop();
      }
      const bar = new SingleBar({
        format: "verifying audit chain [{bar}] {percentage}% | {value}/{total} events",
        stream: options.progress ?? process.stderr, noTTYOutput: true, notTTYSchedule: 2000,
      }, Presets.shades_classic);
      bar.start(1, 0);
      let result: ChainVerification;
      try {
        result = await verifyAuditChain({ db, store, keys }, {
          onProgress: (checked, total) => {
            bar.setTotal(total);
            bar.update(checked);
          },
        });
      } finally {
        bar.stop();
      }
      if (options.json) out.write(`${JSON.stringify(result, null, 2)}\n`);
      else if (result.chainValid) {
        out.write(`audit chain valid: ${result.eventsVerified} events, ${result.signaturesChecked} signed heads verified\n`);
      } else {
        out.write(`audit chain BROKEN at event ${result.brokenAtEventId}: ${result.reason} ` +
          `(${result.eventsVerified} events verified before it)\n`);
      }
      return result;
    });
  } finally {
    await keys.close();
  }
}
