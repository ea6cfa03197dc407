/**
 * Key provider measures: DEK unwraps/s and Ed25519 signatures/s at concurrency 1 and 16, for the local
 * (software) provider and for PKCS#11 on a throwaway SoftHSM2 token (removed when the process exits).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openLocalKeyProvider } from "../src/keys/local.js";
import { openPkcs11Provider } from "../src/keys/pkcs11.js";
import type { KeyProvider } from "../src/keys/port.js";
import { softHsmToken, softHsmUnavailableReason } from "../test/support/softhsm.js";
import { onCleanup } from "./cleanup.js";
import { describeLoad, progress, timedLoad, type Report } from "./stats.js";

export interface KeyBenchOptions {
  trials: number;
  seconds: number;
  /** PKCS#11 sessions the provider keeps open (its concurrency limit). */
  pkcs11Sessions: number;
}

async function measure(name: string, keys: KeyProvider, report: Report, options: KeyBenchOptions, suffix = ""): Promise<void> {
  const context = Buffer.from("vault-1/secret-1/1");
  await keys.createKek("bench-kek");
  await keys.createSigningKey("bench-sign");
  const wrapped = await keys.wrapDataKey("bench-kek", randomBytes(32), context);
  const message = randomBytes(200); // about a JWT's signing input
  for (const [operation, run] of [
    ["DEK unwrap", () => keys.unwrapDataKey("bench-kek", wrapped, context)],
    ["Ed25519 sign", () => keys.sign("bench-sign", message)],
  ] as const) {
    for (const concurrency of [1, 16]) {
      const bar = progress(`${name} ${operation} c=${concurrency}`, options.trials, "trials");
      const result = await timedLoad(
        { concurrency, trials: options.trials, seconds: options.seconds, onTrial: (t) => bar.update(t) }, run);
      bar.stop();
      report.add({ target: name, measure: `${operation} c=${concurrency}`, rate: result.rate, unit: "ops/s", detail: describeLoad(result) + suffix });
    }
  }
}

export async function benchKeys(report: Report, options: KeyBenchOptions, wanted: readonly string[]): Promise<void> {
  if (wanted.includes("local")) {
    const directory = mkdtempSync(join(tmpdir(), "keyledger-bench-keys-"));
    const removeDirectory = onCleanup(() => rmSync(directory, { recursive: true, force: true }));
    const keys = await openLocalKeyProvider({ directory });
    const close = onCleanup(() => keys.close());
    try {
      await measure("local", keys, report, options);
    } finally {
      await close();
      await removeDirectory();
    }
  }
  if (wanted.includes("pkcs11")) {
    const unavailable = softHsmUnavailableReason();
    if (unavailable) {
      report.skip("pkcs11", unavailable);
      return;
    }
    // The token directory (SOFTHSM2_CONF) is made for this process and removed when it exits.
    const keys = await openPkcs11Provider({ ...softHsmToken(`bench-${process.pid}`), sessions: options.pkcs11Sessions });
    const close = onCleanup(() => keys.close());
    try {
      await measure("pkcs11", keys, report, options, `; SoftHSM2, ${options.pkcs11Sessions} sessions`);
    } finally {
      await close();
    }
  }
}
