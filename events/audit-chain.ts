/**
 * The audit log's hash chain. Each event of the log, in global order, gets
 *   hash_i = SHA-256( prev_hash || "\n" || canonical JSON [id, type, stream, revision, data, metadata] )
 * with prev_hash_0 = 64 zeros. Changing, removing or inserting any event changes every hash after it;
 * the periodically signed head (AuditHeadSigned) makes the stored hashes themselves tamper-evident.
 */
import { hash } from "node:crypto";
import type { RecordedEvent } from "./recorded.js";

export const GENESIS_HASH = "0".repeat(64);

export const CHAIN_SCHEME = {
  algorithm: "SHA-256",
  chain_structure: "hash_i = SHA-256(prev_hash || '\\n' || canonical JSON [event id, type, stream, revision, data, metadata]) " +
    "over the whole log in global order; heads signed with Ed25519 in the key provider (AuditHeadSigned events)",
  hash_field: "hash",
  link_field: "prev_hash",
} as const;

/**
 * JSON with object keys sorted at every depth: the same value always hashes the same, whatever stored it.
 * Built by concatenation, not by arrays of entries: it runs for every event of the log (issue 12).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) {
    let json = "[";
    for (let i = 0; i < value.length; i++) json += (i === 0 ? "" : ",") + canonicalJson(value[i]);
    return `${json}]`;
  }
  const record = value as Record<string, unknown>;
  const { sorted, quoted } = shapeOf(Object.keys(record));
  let json = "";
  for (let i = 0; i < sorted.length; i++) {
    const inner = record[sorted[i]];
    if (inner !== undefined) json += `${json === "" ? "" : ","}${quoted[i]}${canonicalJson(inner)}`;
  }
  return `{${json}}`;
}

/** An object's keys as listed, sorted, and each sorted key as JSON with its colon. */
interface Shape {
  keys: readonly string[];
  sorted: readonly string[];
  quoted: readonly string[];
}

let lastShape: Shape = { keys: [], sorted: [], quoted: [] };

/**
 * The sorted keys of an object, reused while objects come with the same keys in the same order: the items of
 * an array mostly do (a usage fact lists up to 500 requests; sorting and quoting each one's keys again was half
 * of the time its canonical JSON took; issue 12).
 */
function shapeOf(keys: readonly string[]): Shape {
  const last = lastShape;
  if (keys.length === last.keys.length && keys.every((key, i) => key === last.keys[i])) return last;
  // Default sort: by UTF-16 code units, as `<` compares strings.
  const sorted = [...keys].sort();
  lastShape = { keys, sorted, quoted: sorted.map((key) => `${JSON.stringify(key)}:`) };
  return lastShape;
}

export function chainHash(prevHash: string, event: RecordedEvent): string {
  const body = canonicalJson([event.id, event.type, event.stream, event.revision.toString(), event.data, event.metadata]);
  // The one-shot form: no Hash object per event of the log.
  return hash("sha256", `${prevHash}\n${body}`, "hex");
}

/** What the signer signs for a chain head: a versioned, unambiguous byte string. */
export function headSigningInput(head: { chainIndex: number; eventId: string; hash: string }): Buffer {
  return Buffer.from(`keyledger-audit-head/v1\n${head.chainIndex}\n${head.eventId}\n${head.hash}`);
}
