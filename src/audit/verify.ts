/**
 * Re-derives the audit hash chain from the event store and compares it with the audit log: the first entry
 * whose event is missing, replaced or altered in the store, or whose stored link does not match, is the
 * first broken link. Signed heads met on the way are checked too (signature, and that the head they signed
 * is still the chain's hash at that place), which catches a log rebuilt from tampered events.
 */
import { createPublicKey, verify as verifySignature, type KeyObject } from "node:crypto";
import { chainHash, GENESIS_HASH, headSigningInput } from "../../events/audit-chain.js";
import { AuditHeadSigned } from "../../events/audit.js";
import type { Queryable } from "../db/database.js";
import { parsePosition, START, type EventStore, type Position, type RecordedEvent } from "../eventstore/port.js";
import type { KeyProvider } from "../keys/port.js";

export interface VerifyOptions {
  /** Start at the first entry recorded at or after this time (default: the beginning of the log). */
  from?: Date;
  /** Stop after the last entry recorded at or before this time. */
  to?: Date;
  /** Most entries to check (default: all). */
  limit?: number;
  /** Called after each page with the entries checked so far and the number to check. */
  onProgress?(checked: number, total: number): void;
}

export interface ChainVerification {
  chainValid: boolean;
  eventsVerified: number;
  eventsChecked: number;
  brokenAtEventId: string | null;
  /** Why the link is broken, in words. */
  reason?: string;
  signaturesChecked: number;
}

interface ChainRow {
  chain_index: string;
  event_id: string;
  position: string;
  prev_hash: string;
  hash: string;
}

const PAGE = 500;

export interface VerifyDependencies {
  /** Where the audit log's read model is queried. */
  db: Queryable;
  store: Pick<EventStore, "readAll">;
  keys: KeyProvider;
}

export async function verifyAuditChain(deps: VerifyDependencies, options: VerifyOptions = {}): Promise<ChainVerification> {
  const { db } = deps;
  const range = await rangeToCheck(db, options);
  const result: ChainVerification = { chainValid: true, eventsVerified: 0, eventsChecked: 0, brokenAtEventId: null, signaturesChecked: 0 };
  if (!range) return result;

  // The entry before the range anchors it: its stored hash was checked by whoever verified that part.
  let previous: { hash: string; position: Position } = { hash: GENESIS_HASH, position: START };
  if (range.first > 0) {
    const before = await rowsFrom(db, range.first - 1, 1);
    previous = { hash: before[0].hash, position: parsePosition(before[0].position) };
  }
  let recomputed = previous.hash;
  const signatures = new SignatureChecker(deps.keys);

  const broken = (eventId: string, reason: string): ChainVerification => {
    result.eventsChecked++;
    return { ...result, chainValid: false, brokenAtEventId: eventId, reason };
  };

  for (let next = range.first; next <= range.last;) {
    const rows = await rowsFrom(db, next, Math.min(PAGE, range.last - next + 1));
    if (rows.length === 0) break;
    const events = await deps.store.readAll({ after: previous.position, limit: rows.length });
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      const event: RecordedEvent | undefined = events[i];
      if (!event) return broken(row.event_id, "the event is missing from the log");
      if (event.id !== row.event_id) return broken(row.event_id, "the log holds another event at this place");
      if (row.prev_hash !== previous.hash) return broken(row.event_id, "the entry does not link to the one before");
      recomputed = chainHash(recomputed, event);
      if (recomputed !== row.hash) return broken(row.event_id, "the event was altered after it was recorded");
      if (event.type === AuditHeadSigned.type) {
        const problem = await signatures.check(db, event);
        if (problem) return broken(problem.eventId, problem.reason);
        result.signaturesChecked++;
      }
      result.eventsChecked++;
      result.eventsVerified++;
      previous = { hash: row.hash, position: event.position };
    }
    next += rows.length;
    options.onProgress?.(result.eventsChecked, range.total);
  }
  return result;
}

/** Chain indexes of the first and last entry to check, or undefined when there is nothing to check. */
async function rangeToCheck(db: Queryable, options: VerifyOptions): Promise<{ first: number; last: number; total: number } | undefined> {
  const { rows } = await db.query<{ first: string | null; last: string | null }>(
    `select (select min(chain_index) from audit_events where $1::timestamptz is null or created_at >= $1)::text as first,
            (select max(chain_index) from audit_events where $2::timestamptz is null or created_at <= $2)::text as last`,
    [options.from ?? null, options.to ?? null]);
  if (rows[0].first === null || rows[0].last === null) return undefined;
  const first = Number(rows[0].first);
  let last = Number(rows[0].last);
  if (options.limit !== undefined) last = Math.min(last, first + options.limit - 1);
  return last < first ? undefined : { first, last, total: last - first + 1 };
}

async function rowsFrom(db: Queryable, from: number, count: number): Promise<ChainRow[]> {
  const { rows } = await db.query<ChainRow>(
    `select chain_index::text as chain_index, event_id, position, prev_hash, hash from audit_events
      where chain_index >= $1 order by audit_events.chain_index limit $2`, [from, count]);
  return rows;
}

/** Checks AuditHeadSigned events against the key provider's public key and the audit log. */
class SignatureChecker {
  private readonly publicKeys = new Map<string, KeyObject | null>();

  constructor(private readonly keys: KeyProvider) {}

  async check(db: Queryable, event: RecordedEvent): Promise<{ eventId: string; reason: string } | undefined> {
    const data = AuditHeadSigned.schema.safeParse(event.data);
    if (!data.success) return { eventId: event.id, reason: "a signed head is malformed" };
    const key = await this.publicKey(data.data.key_id);
    const input = headSigningInput({ chainIndex: data.data.chain_index, eventId: data.data.event_id, hash: data.data.head_hash });
    if (!key || !verifySignature(null, input, key, Buffer.from(data.data.signature, "base64"))) {
      return { eventId: event.id, reason: "a signed head's signature does not verify" };
    }
    const { rows } = await db.query<{ event_id: string; hash: string }>(
      "select event_id, hash from audit_events where chain_index = $1", [data.data.chain_index]);
    if (rows[0]?.event_id !== data.data.event_id || rows[0].hash !== data.data.head_hash) {
      return { eventId: data.data.event_id, reason: "the chain no longer matches the head signed for this event" };
    }
    return undefined;
  }

  private async publicKey(keyId: string): Promise<KeyObject | null> {
    if (!this.publicKeys.has(keyId)) {
      const jwk = await this.keys.signingPublicKey(keyId);
      this.publicKeys.set(keyId, jwk ? createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x }, format: "jwk" }) : null);
    }
    return this.publicKeys.get(keyId) ?? null;
  }
}
