/**
 * Reads of the agents read model. `findAgentById` and `findAgentByApiKey` are what authentication asks
 * (is this agent still there and active?), as of the caller's clock: past its `expires_at` an agent is
 * inactive; `agentView`/`listAgentViews` feed the API's agent records.
 */
import type { ShroudConfig } from "../../events/shroud-config.js";
import type { Queryable } from "../db/database.js";
import { agentKeyMatches, agentKeyPrefix } from "./api-keys.js";
import { isUuid, rowDate, rowJson, rowOptionalDate } from "../db/rows.js";

export const DEFAULT_AGENT_TOKEN_TTL_SECONDS = 3600;

export interface AgentRecord {
  id: string;
  orgId: string;
  name: string;
  /** False when deactivated by a human or past its expires_at at the `now` it was read for. */
  active: boolean;
  scopes: string[];
  vaultIds: string[];
  intentsApiEnabled: boolean;
  /** The agent's own setting, else the default. */
  tokenTtlSeconds: number;
  /** The user who registered it. */
  createdBy: string;
  shroudEnabled: boolean;
  /** As set by a human (null: every default). */
  shroudConfig: ShroudConfig | null;
}

/** Everything the API shows about an agent (never its key: only the hash is stored). */
export interface AgentView {
  id: string;
  orgId: string;
  name: string;
  description: string | null;
  authMethod: "api_key";
  scopes: string[];
  vaultIds: string[];
  isActive: boolean;
  intentsApiEnabled: boolean;
  tokenTtlSeconds: number | null;
  expiresAt: Date | null;
  txToAllowlist: string[];
  txMaxValue: string | null;
  txDailyLimit: string | null;
  txAllowedChains: string[];
  sshPublicKey: string;
  ecdhPublicKey: string;
  shroudEnabled: boolean;
  shroudConfig: ShroudConfig | null;
  createdBy: string;
  createdAt: Date;
}

interface AgentRow {
  id: string;
  org_id: string;
  name: string;
  description: string | null;
  scopes: string[];
  vault_ids: string[];
  is_active: boolean;
  intents_api_enabled: boolean;
  token_ttl_seconds: number | null;
  expires_at: Date | string | null;
  tx_to_allowlist: string[];
  tx_max_value: string | null;
  tx_daily_limit: string | null;
  tx_allowed_chains: string[];
  shroud_enabled: boolean;
  shroud_config: ShroudConfig | string | null;
  api_key_hash: string;
  ssh_public_key: string;
  ecdh_public_key: string;
  created_by: string;
  created_at: Date | string;
}

const SELECT = `select id, org_id, name, description, scopes, vault_ids, is_active,
  intents_api_enabled, token_ttl_seconds, expires_at,
  tx_to_allowlist, tx_max_value, tx_daily_limit, tx_allowed_chains, shroud_enabled, shroud_config, api_key_hash, ssh_public_key,
  ecdh_public_key, created_by, created_at from agents`;

function toRecord(row: AgentRow, now: Date): AgentRecord {
  const expiresAt = rowOptionalDate(row.expires_at);
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    active: row.is_active && !(expiresAt && expiresAt <= now),
    scopes: rowJson<string[]>(row.scopes),
    vaultIds: rowJson<string[]>(row.vault_ids),
    intentsApiEnabled: row.intents_api_enabled,
    tokenTtlSeconds: row.token_ttl_seconds ?? DEFAULT_AGENT_TOKEN_TTL_SECONDS,
    createdBy: row.created_by,
    shroudEnabled: row.shroud_enabled,
    shroudConfig: row.shroud_config === null ? null : rowJson<ShroudConfig>(row.shroud_config),
  };
}

function toView(row: AgentRow): AgentView {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    description: row.description,
    authMethod: "api_key",
    scopes: rowJson<string[]>(row.scopes),
    vaultIds: rowJson<string[]>(row.vault_ids),
    isActive: row.is_active,
    intentsApiEnabled: row.intents_api_enabled,
    tokenTtlSeconds: row.token_ttl_seconds,
    expiresAt: rowOptionalDate(row.expires_at),
    txToAllowlist: rowJson<string[]>(row.tx_to_allowlist),
    txMaxValue: row.tx_max_value,
    txDailyLimit: row.tx_daily_limit,
    txAllowedChains: rowJson<string[]>(row.tx_allowed_chains),
    sshPublicKey: row.ssh_public_key,
    ecdhPublicKey: row.ecdh_public_key,
    shroudEnabled: row.shroud_enabled,
    shroudConfig: row.shroud_config === null ? null : rowJson<ShroudConfig>(row.shroud_config),
    createdBy: row.created_by,
    createdAt: rowDate(row.created_at),
  };
}

async function rowById(db: Queryable, id: string): Promise<AgentRow | undefined> {
  if (!isUuid(id)) return undefined;
  return (await db.query<AgentRow>(`${SELECT} where id = $1`, [id])).rows[0];
}

/** A living agent (deleted agents are absent), active or not at `now`. */
export async function findAgentById(db: Queryable, id: string, now: Date): Promise<AgentRecord | undefined> {
  const row = await rowById(db, id);
  return row && toRecord(row, now);
}

/** The agent an `ocv_` key belongs to: found by the key's lookup prefix, then its hash compared in constant time. */
export async function findAgentByApiKey(db: Queryable, apiKey: string, now: Date): Promise<AgentRecord | undefined> {
  const prefix = agentKeyPrefix(apiKey);
  if (!prefix) return undefined;
  const row = (await db.query<AgentRow>(`${SELECT} where api_key_prefix = $1`, [prefix])).rows[0];
  return row && agentKeyMatches(apiKey, row.api_key_hash) ? toRecord(row, now) : undefined;
}

export async function agentView(db: Queryable, orgId: string, id: string): Promise<AgentView | undefined> {
  const row = await rowById(db, id);
  return row && row.org_id === orgId ? toView(row) : undefined;
}

export async function listAgentViews(db: Queryable, orgId: string): Promise<AgentView[]> {
  const { rows } = await db.query<AgentRow>(`${SELECT} where org_id = $1 order by created_at, id`, [orgId]);
  return rows.map(toView);
}
