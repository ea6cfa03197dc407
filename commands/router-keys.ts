/**
 * The agent's router keys, decided on the agent's stream: a key is minted only for an agent with Shroud on,
 * at most MAX_LIVE_ROUTER_KEYS live at once (exact, since the count is the stream's own state at its
 * revision), and revoked for good. The key material is made outside; the decider sees its prefix and hash.
 */
import { RouterKeyMinted, RouterKeyRevoked } from "../events/router-key.js";
import { Conflict, Invalid, NotFound } from "./errors.js";

export const MAX_LIVE_ROUTER_KEYS = 20;
/** 1claw's bounds for a key's open streams (its default is the agent-level default, 20). */
export const ROUTER_KEY_STREAM_BOUNDS = { min: 1, max: 1000, default: 20 } as const;
/** The largest spend cap: a guard against a typo of a few zeros, not a business rule. */
export const MAX_ROUTER_KEY_SPEND_CAP_USD = 100_000;

export interface MintRouterKey {
  type: "MintRouterKey";
  agentId: string;
  orgId: string;
  keyId: string;
  name: string;
  keyPrefix: string;
  keyHash: string;
  maxConcurrentStreams: number;
  /** null: no cap. */
  spendCapMicroUsd: number | null;
  by: string;
}

export interface RevokeRouterKey {
  type: "RevokeRouterKey";
  agentId: string;
  orgId: string;
  keyId: string;
  by: string;
}

export interface RouterKeys {
  live: readonly string[];
  revoked: readonly string[];
}

export const NO_ROUTER_KEYS: RouterKeys = { live: [], revoked: [] };

export class RouterKeysNeedShroud extends Conflict {
  constructor(agentId: string) {
    super(`agent ${agentId} is not enabled for Shroud (shroud_enabled is false): enable it before minting router keys`);
    this.name = "RouterKeysNeedShroud";
  }
}

export class RouterKeyLimitReached extends Conflict {
  constructor() {
    super(`an agent may have at most ${MAX_LIVE_ROUTER_KEYS} live router keys: revoke one first`);
    this.name = "RouterKeyLimitReached";
  }
}

export class RouterKeyNotFound extends NotFound {
  constructor(keyId: string) {
    super(`router key ${keyId} not found`);
    this.name = "RouterKeyNotFound";
  }
}

export class InvalidRouterKey extends Invalid {
  constructor(detail: string) {
    super(detail);
    this.name = "InvalidRouterKey";
  }
}

export class RouterKeyIdTaken extends Conflict {
  constructor(keyId: string) {
    super(`router key ${keyId} already exists`);
    this.name = "RouterKeyIdTaken";
  }
}

export function evolveRouterKeys(keys: RouterKeys, event: { type: "RouterKeyMinted" | "RouterKeyRevoked"; data: { key_id: string } }): RouterKeys {
  const id = event.data.key_id;
  if (event.type === "RouterKeyMinted") return { ...keys, live: [...keys.live, id] };
  return { live: keys.live.filter((k) => k !== id), revoked: [...keys.revoked, id] };
}

function checkLimits(command: MintRouterKey): void {
  if (command.name.trim() === "" || command.name.length > 200) throw new InvalidRouterKey("name must be 1 to 200 characters");
  const streams = command.maxConcurrentStreams;
  if (!Number.isInteger(streams) || streams < ROUTER_KEY_STREAM_BOUNDS.min || streams > ROUTER_KEY_STREAM_BOUNDS.max) {
    throw new InvalidRouterKey(`max_concurrent_streams must be a whole number from ${ROUTER_KEY_STREAM_BOUNDS.min} to ${ROUTER_KEY_STREAM_BOUNDS.max}`);
  }
  const cap = command.spendCapMicroUsd;
  if (cap !== null && !(Number.isInteger(cap) && cap >= 1 && cap <= MAX_ROUTER_KEY_SPEND_CAP_USD * 1_000_000)) {
    throw new InvalidRouterKey(`spend_cap_usd must be more than 0 and at most ${MAX_ROUTER_KEY_SPEND_CAP_USD}`);
  }
}

export function decideMintRouterKey(agent: { settings: { shroud_enabled?: boolean }; routerKeys: RouterKeys }, command: MintRouterKey,
  now: Date): Array<ReturnType<typeof RouterKeyMinted.of>> {
  const { routerKeys } = agent;
  if (routerKeys.live.includes(command.keyId) || routerKeys.revoked.includes(command.keyId)) throw new RouterKeyIdTaken(command.keyId);
  if (!agent.settings.shroud_enabled) throw new RouterKeysNeedShroud(command.agentId);
  checkLimits(command);
  if (routerKeys.live.length >= MAX_LIVE_ROUTER_KEYS) throw new RouterKeyLimitReached();
  return [RouterKeyMinted.of({
    key_id: command.keyId, agent_id: command.agentId, org_id: command.orgId, name: command.name, key_prefix: command.keyPrefix,
    key_hash: command.keyHash, max_concurrent_streams: command.maxConcurrentStreams, spend_cap_micro_usd: command.spendCapMicroUsd,
    created_by: command.by, created_at: now.toISOString(),
  })];
}

/** Revoking a revoked key changes nothing (DELETE is idempotent); a key the agent never had is not found. */
export function decideRevokeRouterKey(agent: { routerKeys: RouterKeys }, command: RevokeRouterKey,
  now: Date): Array<ReturnType<typeof RouterKeyRevoked.of>> {
  if (agent.routerKeys.revoked.includes(command.keyId)) return [];
  if (!agent.routerKeys.live.includes(command.keyId)) throw new RouterKeyNotFound(command.keyId);
  return [RouterKeyRevoked.of({
    key_id: command.keyId, agent_id: command.agentId, org_id: command.orgId, revoked_by: command.by, revoked_at: now.toISOString(),
  })];
}
