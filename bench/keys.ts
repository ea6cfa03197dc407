/**
 * Key provider throughput: unwraps/s and signatures/s, for the local provider and for PKCS#11 on a
 * throwaway SoftHSM2 token, at concurrency 1 and 16. Run: node --import tsx bench/keys.ts
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openLocalKeyProvider } from "../src/keys/local.js";
import { openPkcs11Provider } from "../src/keys/pkcs11.js";
import type { KeyProvider } from "../src/keys/port.js";
import { softHsmToken, softHsmUnavailableReason } from "../test/support/softhsm.js";

const SECONDS = 2;
const context = Buffer.from("vault/secret/1");

async function rate(concurrency: number, operation: () => Promise<unknown>): Promise<number> {
  let done = 0;
  const deadline = performance.now() + SECONDS * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      await operation();
      done += 1;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return done / ((performance.now() - started) / 1000);
}

async function measure(name: string, keys: KeyProvider): Promise<void> {
  await keys.createKek("bench-kek");
  await keys.createSigningKey("bench-sign");
  const wrapped = await keys.wrapDataKey("bench-kek", randomBytes(32), context);
  const message = randomBytes(200);
  for (const concurrency of [1, 16]) {
    const unwraps = await rate(concurrency, () => keys.unwrapDataKey("bench-kek", wrapped, context));
    const signs = await rate(concurrency, () => keys.sign("bench-sign", message));
    console.log(`${name.padEnd(8)} concurrency ${String(concurrency).padStart(2)}: ${unwraps.toFixed(0).padStart(7)} unwrap/s ${signs.toFixed(0).padStart(7)} sign/s`);
  }
  await keys.close();
}

const directory = mkdtempSync(join(tmpdir(), "keyledger-bench-keys-"));
try {
  await measure("local", await openLocalKeyProvider({ directory }));
} finally {
  rmSync(directory, { recursive: true, force: true });
}
const unavailable = softHsmUnavailableReason();
if (unavailable) console.log(`pkcs11   skipped: ${unavailable}`);
else await measure("pkcs11", await openPkcs11Provider({ ...softHsmToken("bench"), sessions: 8 }));
