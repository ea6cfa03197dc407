/**
 * The audit chain's signed heads: one stream (`audit_head-<AUDIT_HEAD_STREAM_ID>`). Recorded as events so a
 * signature survives any rebuild of the read models and is itself part of the chain it vouches for.
 */
import { z } from "zod";
import { defineEvent, eventReader, type EventsOf } from "./define.js";

export const AuditHeadSigned = defineEvent("AuditHeadSigned", z.object({
  /** 0-based index, in the log's global order, of the event whose chain hash was signed. */
  chain_index: z.number().int().nonnegative(),
  event_id: z.uuid(),
  /** Hex SHA-256 chain hash of that event (events/audit-chain.ts). */
  head_hash: z.string().regex(/^[0-9a-f]{64}$/),
  /** The Ed25519 signing key in the key provider. */
  key_id: z.string(),
  /** Base64 Ed25519 signature over `headSigningInput` of the three fields above. */
  signature: z.string(),
}));

export const auditEvents = [AuditHeadSigned] as const;
export type AuditEventRecord = EventsOf<typeof auditEvents>;
export const readAuditEvent = eventReader(auditEvents);
