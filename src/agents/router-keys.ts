/**
 * Shroud router keys (`sk-shroud-v1-` + a 16-hex-digit lookup id + 43 base64url characters, 256 random
 * bits): minted for an agent through its aggregate, listed from the `router_keys` read model, found by
 * Shroud by prefix and checked in constant time against the stored SHA-256 hash. The key exists in clear
 * only in the answer to its minting.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { agentAggregate } from "../../commands/agent.js";
import { digestsEqual, sha256Hex } from "../auth/digest.js";
import type { Services } from "../app/services.js";
import type { Queryable } from "../db/database.js";
import { isUuid, rowDate, rowOptionalDate } from "../db/rows.js";
import type { EventMetadata } from "../eventstore/port.js";

export const ROUTER_KEY_PREFIX = "sk-shroud-v1-";
const ROUTER_KEY = /^(sk-shroud-v1-[0-9a-f]{16})[A-Za-z0-9_-]{43}$/;

export interface RouterKeyRecord {
  id: string;
  agentId: string;
  orgId: string;
  name: string;
  keyPrefix: string;
  maxConcurrentStreams: number;
  /** null: no cap. */
  spendCapMicroUsd: number | null;
  createdBy: string;
  createdAt: Date;
  revokedAt: Date | null;
}

interface RouterKeyRow {
  key_id: string;
  agent_id: string;
  org_id: string;
  name: string;
  key_prefix: string;
  key_hash: string;
  max_concurrent_streams: number;
  spend_cap_micro_usd: string | number | null;
  created_by: string;
  created_at: Date | string;
  revoked_at: Date | string | null;
}

const COLUMNS = "key_id, agent_id, org_id, name, key_prefix, key_hash, max_concurrent_streams, spend_cap_micro_usd, " +
  "created_by, created_at, revoked_at";

function toRecord(row: RouterKeyRow): RouterKeyRecord {
  return {
    id: row.key_id, agentId: row.agent_id, orgId: row.org_id, name: row.name, keyPrefix: row.key_prefix,
    maxConcurrentStreams: row.max_concurrent_streams,
    // bigint arrives as text from pg.
    spendCapMicroUsd: row.spend_cap_micro_usd === null ? null : Number(row.spend_cap_micro_usd),
    createdBy: row.created_by, createdAt: rowDate(row.created_at), revokedAt: rowOptionalDate(row.revoked_at),
  };
}

/** The live key a presented `sk-shroud-v1-…` string is, if any. */
export async function findLiveRouterKey(db: Queryable, presented: string): Promise<RouterKeyRecord | undefined> {
  const prefix = ROUTER_KEY.exec(presented)?.[1];
  if (!prefix) return undefined;
  const { rows } = await db.query<RouterKeyRow>(`select ${COLUMNS} from router_keys where key_prefix = $1`, [prefix]);
  const hash = sha256Hex(presented);
  const match = rows.find((row) => digestsEqual(row.key_hash, hash));
  return match && match.revoked_at === null ? toRecord(match) : undefined;
}

export async function listRouterKeys(db: Queryable, orgId: string, agentId: string): Promise<RouterKeyRecord[]> {
  if (!isUuid(agentId)) return [];
  const { rows } = await db.query<RouterKeyRow>(
    `select ${COLUMNS} from router_keys where org_id = $1 and agent_id = $2 order by created_at, key_id`, [orgId, agentId]);
  return rows.map(toRecord);
}

export interface MintedRouterKey {
  record: RouterKeyRecord;
  /** The only time the key is ever available. */
  key: string;
}

/** Mints a key for the agent (its aggregate decides: Shroud on, at most 20 live) and records only its hash. */
export async function mintRouterKey(
  services: Pick<Services, "bus">, minter: { orgId: string; userId: string }, agentId: string,
  input: { name: string; maxConcurrentStreams: number; spendCapMicroUsd: number | null }, metadata: EventMetadata,
): Promise<MintedRouterKey> {
  const prefix = ROUTER_KEY_PREFIX + randomBytes(8).toString("hex");
  const key = prefix + randomBytes(32).toString("base64url");
  const keyId = randomUUID();
  const { events } = await services.bus.handle(agentAggregate, agentId, {
    type: "MintRouterKey", agentId, orgId: minter.orgId, keyId, name: input.name, keyPrefix: prefix, keyHash: sha256Hex(key),
    maxConcurrentStreams: input.maxConcurrentStreams, spendCapMicroUsd: input.spendCapMicroUsd, by: minter.userId,
  }, { metadata });
  const minted = events.find((event) => event.type === "RouterKeyMinted");
  if (minted?.type !== "RouterKeyMinted") throw new Error(`minting router key ${keyId} recorded no RouterKeyMinted`);
  const { data } = minted;
  return {
    record: {
      id: data.key_id, agentId: data.agent_id, orgId: data.org_id, name: data.name, keyPrefix: data.key_prefix,
      maxConcurrentStreams: data.max_concurrent_streams, spendCapMicroUsd: data.spend_cap_micro_usd, createdBy: data.created_by,
      createdAt: new Date(data.created_at), revokedAt: null,
    },
    key,
  };
}

/** Revokes the key; Shroud refuses it from its next call on (it reads the log before each call). */
export async function revokeRouterKey(
  services: Pick<Services, "bus">, revoker: { orgId: string; userId: string }, agentId: string, keyId: string,
  metadata: EventMetadata,
): Promise<void> {
  await services.bus.handle(agentAggregate, agentId,
    { type: "RevokeRouterKey", agentId, orgId: revoker.orgId, keyId, by: revoker.userId }, { metadata });
}
