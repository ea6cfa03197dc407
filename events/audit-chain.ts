/**
 * The audit log's hash chain. Each event of the log, in global order, gets
 *   hash_i = SHA-256( prev_hash || "\n" || canonical JSON [id, type, stream, revision, data, metadata] )
 * with prev_hash_0 = 64 zeros. Changing, removing or inserting any event changes every hash after it;
 * the periodically signed head (AuditHeadSigned) makes the stored hashes themselves tamper-evident.
 */
import { createHash } from "node:crypto";
import type { RecordedEvent } from "./recorded.js";

export const GENESIS_HASH = "0".repeat(64);

export const CHAIN_SCHEME = {
  algorithm: "SHA-256",
  chain_structure: "hash_i = SHA-256(prev_hash || '\\n' || canonical JSON [event id, type, stream, revision, data, metadata]) " +
    "over the whole log in global order; heads signed with Ed25519 in the key provider (AuditHeadSigned events)",
  hash_field: "hash",
  link_field: "prev_hash",
} as const;

/** JSON with object keys sorted at every depth: the same value always hashes the same, whatever stored it. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

export function chainHash(prevHash: string, event: RecordedEvent): string {
  const body = canonicalJson([event.id, event.type, event.stream, event.revision.toString(), event.data, event.metadata]);
  return createHash("sha256").update(prevHash).update("\n").update(body).digest("hex");
}

/** What the signer signs for a chain head: a versioned, unambiguous byte string. */
export function headSigningInput(head: { chainIndex: number; eventId: string; hash: string }): Buffer {
  return Buffer.from(`keyledger-audit-head/v1\n${head.chainIndex}\n${head.eventId}\n${head.hash}`);
}
