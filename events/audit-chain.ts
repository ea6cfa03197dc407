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
  let json = "";
  // Default sort: by UTF-16 code units, as `<` compares strings.
  for (const key of Object.keys(record).sort()) {
    const inner = record[key];
    if (inner !== undefined) json += `${json === "" ? "" : ","}${JSON.stringify(key)}:${canonicalJson(inner)}`;
  }
  return `{${json}}`;
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
