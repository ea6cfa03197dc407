/** `keyledger audit verify`: re-derives the audit hash chain from the event store, with a progress bar. */
import { Presets, SingleBar } from "cli-progress";
import { auditEventsProjection } from "../../projections/audit-events.js";
import { announceExistingStore, openKeyProvider, withStores } from "../app/stores.js";
import { checkKeyProviderIdentity } from "../keys/identity.js";
import { verifyAuditChain, type ChainVerification } from "../audit/verify.js";
import type { Config } from "../config.js";
import type { Position } from "../eventstore/port.js";
import { ProjectionEventFailed, ProjectionRunner, ReadModelsBehind } from "../projection-runner/runner.js";
import { stuckOn } from "../projection-runner/stuck.js";

export interface AuditVerifyOptions {
  json?: boolean;
  /** The report (default stdout). */
  out?: NodeJS.WritableStream;
  /** The progress bar (default stderr). */
  progress?: NodeJS.WritableStream;
  /** How long to wait for the audit log to include the newest event first. */
  catchUpTimeoutMs?: number;
}

/**
 * Waits for the audit log to reach `head`, in steps: between them, a projection that cannot apply its next
 * event is reported (in about a second) instead of waited for until the timeout.
 */
async function catchUp(
  runner: ProjectionRunner, probe: () => Promise<ProjectionEventFailed | undefined>, head: Position, timeoutMs: number,
): Promise<ProjectionEventFailed | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await runner.waitFor(head, Math.max(1, Math.min(1000, deadline - Date.now())));
      // waitFor does not wait for a projection failing here: it may have returned for that reason.
      if (!(await runner.status()).some((s) => s.failingEventId)) return undefined;
    } catch (error) {
      if (!(error instanceof ReadModelsBehind) || Date.now() >= deadline) throw error;
    }
    const stuck = await probe();
    if (stuck) return stuck;
  }
}

/** Verifies the whole chain; resolves with the result (the caller sets the exit code from chainValid). */
export async function auditVerifyCommand(config: Config, options: AuditVerifyOptions = {}): Promise<ChainVerification> {
  const out = options.out ?? process.stdout;
  // Checked before the key provider opens: a local provider would create its key files.
  announceExistingStore(config, true);
  const keys = await openKeyProvider(config);
  try {
    return await withStores(config, async ({ db, store }) => {
      await checkKeyProviderIdentity(db, keys, { record: false });
      // The audit log must reach the log's head first: a running server brings it there, or this process.
      const runner = new ProjectionRunner({ db, store, projections: [auditEventsProjection], leaderPollMs: 200 });
      await runner.start();
      let stuck: ProjectionEventFailed | undefined;
      try {
        stuck = await catchUp(runner, () => stuckOn(db, store, auditEventsProjection), await store.headPosition(),
          options.catchUpTimeoutMs ?? 600_000);
      } finally {
        await runner.stop();
      }
      if (stuck) {
        const result: ChainVerification = { chainValid: false, eventsVerified: 0, eventsChecked: 0, signaturesChecked: 0,
          brokenAtEventId: stuck.event.id, reason: `the audit log cannot apply this event (${stuck.event.type}), so it ends before it` };
        if (options.json) out.write(`${JSON.stringify(result, null, 2)}\n`);
        else out.write(`audit chain BROKEN at event ${result.brokenAtEventId}: ${result.reason}\n`);
        return result;
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
    }, { announce: false });
  } finally {
    await keys.close();
  }
}
