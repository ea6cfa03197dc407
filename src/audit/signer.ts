/**
 * Signs the audit chain's head through the key provider, periodically, with an Ed25519 key of its own.
 * The signature is recorded as an AuditHeadSigned event: it outlives any rebuild of the read models, and a
 * rebuilt audit log that was fed a tampered event can no longer match the head signed before.
 */
import { AuditHeadSigned } from "../../events/audit.js";
import type { Services } from "../app/services.js";
import type { Queryable } from "../db/database.js";
import { whileHoldingLock } from "../db/advisory-lock.js";
import { streamName } from "../eventstore/port.js";
import type { KeyProvider, PublicJwk } from "../keys/port.js";
import type { Logger } from "../log.js";
import { headSigningInput } from "../../events/audit-chain.js";

export const AUDIT_SIGNING_KEY_ID = "audit-ed25519-1";
/** One stream for the whole deployment: the chain is global. */
export const AUDIT_HEAD_STREAM = streamName("audit_head", "00000000-0000-0000-0000-000000000000");
const SIGNER_ACTOR = { type: "system", id: "audit-signer" };

/** The audit signing key's public half, created on first use (concurrent creators: the loser reads it). */
export async function auditSigningKey(keys: KeyProvider): Promise<PublicJwk> {
  return (await keys.signingPublicKey(AUDIT_SIGNING_KEY_ID))
    ?? (await keys.createSigningKey(AUDIT_SIGNING_KEY_ID).catch(async (error: unknown) => {
      const existing = await keys.signingPublicKey(AUDIT_SIGNING_KEY_ID);
      if (!existing) throw error;
      return existing;
    }));
}

interface HeadRow {
  chain_index: string;
  event_id: string;
  event_type: string;
  hash: string;
}

async function latestEntry(db: Queryable): Promise<HeadRow | undefined> {
  const { rows } = await db.query<HeadRow>(
    "select chain_index::text as chain_index, event_id, event_type, hash from audit_events order by audit_events.chain_index desc limit 1");
  return rows[0];
}

/**
 * Signs the newest entry of the audit log unless it is itself a signature (nothing new since: signing
 * again would only sign our own signature, forever). Returns the signed chain index, if any.
 */
export async function signAuditHead(services: Pick<Services, "db" | "bus" | "keys">): Promise<number | undefined> {
  const head = await latestEntry(services.db);
  if (!head || head.event_type === AuditHeadSigned.type) return undefined;
  await auditSigningKey(services.keys);
  const signed = { chainIndex: Number(head.chain_index), eventId: head.event_id, hash: head.hash };
  const signature = await services.keys.sign(AUDIT_SIGNING_KEY_ID, headSigningInput(signed));
  await services.bus.record(AUDIT_HEAD_STREAM, [AuditHeadSigned.of({
    chain_index: signed.chainIndex, event_id: signed.eventId, head_hash: signed.hash, key_id: AUDIT_SIGNING_KEY_ID,
    signature: Buffer.from(signature).toString("base64"),
  })], { metadata: { actor: SIGNER_ACTOR }, readYourWrites: true });
  return signed.chainIndex;
}

export interface AuditSigner {
  stop(): Promise<void>;
}

/**
 * Signs the head every intervalMs; a failed round is logged and retried at the next tick. Among several API
 * processes, a round runs in one at a time (the others skip it), and the signature is in the read models
 * before the lock is released, so the next round anywhere sees that nothing new came since.
 */
export function startAuditSigner(services: Pick<Services, "db" | "bus" | "keys">, intervalMs: number, logger: Logger): AuditSigner {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(() => whileHoldingLock(services.db, "audit-signer", () => signAuditHead(services))).catch((error: unknown) =>
      logger.warn({ err: error instanceof Error ? error.message : String(error) }, "could not sign the audit chain head"));
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
