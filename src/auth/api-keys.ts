/**
 * Personal API keys (`1ck_…`): minted here, recorded as events (hash and prefix only), looked up by prefix
 * and checked in constant time. A key is 32 random bytes, so SHA-256 suffices (no password stretching).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { apiKeyAggregate } from "../../commands/api-key.js";
import { ApiKeyCreated } from "../../events/api-key.js";
import type { Services } from "../app/services.js";
import type { Queryable } from "../db/database.js";
import { type EventMetadata } from "../eventstore/port.js";
import { digestsEqual, sha256Hex } from "./digest.js";
import type { UserPrincipal } from "./principal.js";
import { rowJson } from "../db/rows.js";

export const USER_API_KEY_PREFIX = "1ck_";
/** `1ck_` plus 8 characters of the key: enough to find its row, far too little to guess the rest. */
const LOOKUP_PREFIX_LENGTH = USER_API_KEY_PREFIX.length + 8;
const KEY_SHAPE = /^1ck_[A-Za-z0-9_-]{43}$/;

export interface ApiKeyRecord {
  id: string;
  userId: string;
  orgId: string;
  name: string;
  keyPrefix: string;
  scopes: string[];
  createdAt: Date;
  expiresAt?: Date;
  revokedAt?: Date;
}

interface ApiKeyRow {
  key_id: string;
  user_id: string;
  org_id: string;
  name: string;
  key_prefix: string;
  key_hash: string;
  scopes: string[] | string;
  created_at: Date | string;
  expires_at: Date | string | null;
  revoked_at: Date | string | null;
}

const COLUMNS = "key_id, user_id, org_id, name, key_prefix, key_hash, scopes, created_at, expires_at, revoked_at";

function toRecord(row: ApiKeyRow): ApiKeyRecord {
  return {
    id: row.key_id,
    userId: row.user_id,
    orgId: row.org_id,
    name: row.name,
    keyPrefix: row.key_prefix,
    scopes: rowJson(row.scopes),
    createdAt: new Date(row.created_at),
    expiresAt: row.expires_at ? new Date(row.expires_at) : undefined,
    revokedAt: row.revoked_at ? new Date(row.revoked_at) : undefined,
  };
}

type ApiKeyCreatedData = ReturnType<typeof ApiKeyCreated.of>["data"];

export const isActiveApiKey = (key: ApiKeyRecord, now: Date) => !key.revokedAt && (!key.expiresAt || key.expiresAt > now);

/** The key a presented `1ck_` string names, if it is one of ours and usable now. */
export async function findActiveApiKey(db: Queryable, presented: string, now: Date): Promise<ApiKeyRecord | undefined> {
  if (!KEY_SHAPE.test(presented)) return undefined;
  const { rows } = await db.query<ApiKeyRow>(`select ${COLUMNS} from api_keys where key_prefix = $1`,
    [presented.slice(0, LOOKUP_PREFIX_LENGTH)]);
  const hash = sha256Hex(presented);
  const match = rows.find((row) => digestsEqual(row.key_hash, hash));
  const record = match && toRecord(match);
  return record && isActiveApiKey(record, now) ? record : undefined;
}

export async function listApiKeys(db: Queryable, userId: string): Promise<ApiKeyRecord[]> {
  const { rows } = await db.query<ApiKeyRow>(
    `select ${COLUMNS} from api_keys where user_id = $1 order by created_at, key_id`, [userId]);
  return rows.map(toRecord);
}

/** Mints a key for the user and records it; the returned `key` is the only time it exists in clear. */
export async function createApiKey(
  services: Pick<Services, "bus">,
  user: UserPrincipal,
  input: { name: string; scopes: string[]; expiresAt?: Date },
  metadata: EventMetadata,
): Promise<{ record: ApiKeyRecord; key: string }> {
  const key = USER_API_KEY_PREFIX + randomBytes(32).toString("base64url");
  const keyId = randomUUID();
  const { events } = await services.bus.handle(apiKeyAggregate, keyId, {
    type: "CreateApiKey",
    keyId,
    userId: user.id,
    orgId: user.orgId,
    name: input.name,
    keyPrefix: key.slice(0, LOOKUP_PREFIX_LENGTH),
    keyHash: sha256Hex(key),
    scopes: input.scopes,
    expiresAt: input.expiresAt,
  }, { metadata });
  const created = events.find((event) => event.type === "ApiKeyCreated")!.data as ApiKeyCreatedData;
  return {
    record: {
      id: created.key_id, userId: created.user_id, orgId: created.org_id, name: created.name, keyPrefix: created.key_prefix,
      scopes: created.scopes, createdAt: new Date(created.created_at),
      expiresAt: created.expires_at ? new Date(created.expires_at) : undefined,
    },
    key,
  };
}

/** Revokes one of the user's own keys (ApiKeyNotFound for anyone else's); usable nowhere from then on. */
export async function revokeApiKey(
  services: Pick<Services, "bus">, user: UserPrincipal, keyId: string, metadata: EventMetadata,
): Promise<void> {
  await services.bus.handle(apiKeyAggregate, keyId,
    { type: "RevokeApiKey", keyId, userId: user.id }, { metadata });
}
