/**
 * What can be done with agents, over the command bus and the agents read model. The random parts (ids,
 * API keys, identity key pairs) are made here and handed to the pure decider in its commands.
 */
import { randomUUID } from "node:crypto";
import { agentAggregate, AgentNotFound, type AgentCommand } from "../../commands/agent.js";
import { Conflict, Unauthenticated } from "../../commands/errors.js";
import { type AgentSettings } from "../../events/agent.js";
import { principalAllowPolicies } from "../access/policies.js";
import type { Services } from "../app/services.js";
import { issueAccessToken } from "../auth/issue.js";
import type { IssuedToken } from "../auth/tokens.js";
import { type EventMetadata } from "../eventstore/port.js";
import { releaseResourceSlot, withResourceSlot } from "../billing/resource-limits.js";
import { generateAgentApiKey } from "./api-keys.js";
import { generateIdentityKeys } from "./identity-keys.js";
import { agentView, findAgentByApiKey, findAgentById, type AgentRecord, type AgentView } from "./queries.js";
import { reachClaims } from "./token-claims.js";

export type AgentServices = Pick<Services, "bus" | "db" | "keys" | "tokens" | "store" | "clock" | "config">;


/** Settings of a new agent where its creator names none. */
export const DEFAULT_AGENT_SETTINGS: Omit<AgentSettings, "name"> = {
  description: null, scopes: [], vault_ids: [], is_active: true, intents_api_enabled: false, token_ttl_seconds: null,
  expires_at: null, tx_to_allowlist: [], tx_max_value: null, tx_daily_limit: null, tx_allowed_chains: [],
  shroud_enabled: false, shroud_config: null,
};

/** The API key or agent id presented to the token exchange matches no active agent. */
export class AgentCredentialsRejected extends Unauthenticated {
  constructor() {
    super("invalid agent credentials");
    this.name = "AgentCredentialsRejected";
  }
}

/** A token was asked for a deactivated (or expired) agent. */
export class AgentInactive extends Conflict {
  constructor(agentId: string) {
    super(`agent ${agentId} is not active`);
    this.name = "AgentInactive";
  }
}

export interface CreatedAgent {
  agent: AgentView;
  /** The only time the key is ever available. */
  apiKey: string;
}

/** The agent as the read model has it once the command's events are in (read-your-writes). */
async function current(services: AgentServices, orgId: string, agentId: string): Promise<AgentView> {
  const view = await agentView(services.db, orgId, agentId);
  if (!view) throw new Error(`agent ${agentId} is missing from the read model after its write`);
  return view;
}

async function run(services: AgentServices, command: AgentCommand, metadata: EventMetadata): Promise<void> {
  await services.bus.handle(agentAggregate, command.agentId, command, { metadata });
}

export async function createAgent(
  services: AgentServices,
  owner: { orgId: string; userId: string },
  settings: AgentSettings,
  origin: "api" | "enrollment",
  metadata: EventMetadata,
  agentId: string = randomUUID(),
): Promise<CreatedAgent> {
  // The slot first: no identity keys are made for an agent the tier does not allow.
  return withResourceSlot(services, { orgId: owner.orgId, kind: "agent", resourceId: agentId }, metadata, async () => {
    const apiKey = generateAgentApiKey();
    const identity = await generateIdentityKeys(services, owner.orgId, agentId, { type: "user", id: owner.userId }, metadata);
    await run(services, {
      type: "CreateAgent", agentId, orgId: owner.orgId, createdBy: owner.userId, origin, settings,
      apiKey: { key_prefix: apiKey.prefix, key_hash: apiKey.hash }, identity,
    }, metadata);
    return { agent: await current(services, owner.orgId, agentId), apiKey: apiKey.key };
  });
}

export async function updateAgent(
  services: AgentServices, orgId: string, agentId: string, changes: Partial<AgentSettings>, metadata: EventMetadata,
): Promise<AgentView> {
  await run(services, { type: "UpdateAgent", agentId, orgId, changes }, metadata);
  return current(services, orgId, agentId);
}

export async function deleteAgent(services: AgentServices, orgId: string, agentId: string, metadata: EventMetadata): Promise<void> {
  await run(services, { type: "DeleteAgent", agentId, orgId }, metadata);
  await releaseResourceSlot(services, { orgId, kind: "agent", resourceId: agentId }, metadata);
}

/** A new key; the old one stops working as soon as the read model has the rotation (before this returns). */
export async function rotateAgentApiKey(
  services: AgentServices, orgId: string, agentId: string, metadata: EventMetadata,
): Promise<string> {
  const apiKey = generateAgentApiKey();
  await run(services, {
    type: "RotateAgentApiKey", agentId, orgId, apiKey: { key_prefix: apiKey.prefix, key_hash: apiKey.hash },
  }, metadata);
  return apiKey.key;
}

export async function rotateAgentIdentityKeys(
  services: AgentServices, actor: { orgId: string; userId: string }, agentId: string, metadata: EventMetadata,
): Promise<AgentView> {
  const { orgId } = actor;
  // Refuse before spending key-provider work on an agent that is not there.
  if (!(await agentView(services.db, orgId, agentId))) throw new AgentNotFound(agentId);
  const identity = await generateIdentityKeys(services, orgId, agentId, { type: "user", id: actor.userId }, metadata);
  await run(services, { type: "RotateAgentIdentityKeys", agentId, orgId, identity }, metadata);
  return current(services, orgId, agentId);
}

export interface AgentToken {
  agent: AgentRecord;
  token: IssuedToken;
}

/**
 * `POST /v1/auth/agent-token`: an active agent's key (and, optionally, its id, which must then match)
 * for a JWT carrying its scopes, vault ids and Intents API flag, valid for its token TTL.
 */
export async function exchangeAgentToken(
  services: AgentServices & Pick<Services, "clock">, credentials: { apiKey: string; agentId?: string },
  metadata: EventMetadata,
): Promise<AgentToken> {
  const agent = await findAgentByApiKey(services.db, credentials.apiKey, services.clock());
  if (!agent || !agent.active || (credentials.agentId !== undefined && credentials.agentId !== agent.id)) {
    throw new AgentCredentialsRejected();
  }
  const token = await issueAgentToken(services, agent, { method: "agent_key" }, agent.tokenTtlSeconds, metadata);
  return { agent, token };
}

/** The longest life of a token a human mints for an agent (`agent token`): for a quick test or a one-off job. */
export const MINTED_AGENT_TOKEN_MAX_TTL_SECONDS = 900;

/**
 * `POST /v1/agents/{agent_id}/token`: a human of the agent's organisation mints a short-lived token for it,
 * with the same claims as the agent's own exchange, without holding its key. Recorded with the human as actor.
 */
export async function mintAgentToken(
  services: AgentServices, minter: { orgId: string; userId: string }, agentId: string, metadata: EventMetadata,
): Promise<AgentToken> {
  const agent = await findAgentById(services.db, agentId, services.clock());
  if (!agent || agent.orgId !== minter.orgId) throw new AgentNotFound(agentId);
  if (!agent.active) throw new AgentInactive(agentId);
  const ttl = Math.min(agent.tokenTtlSeconds, MINTED_AGENT_TOKEN_MAX_TTL_SECONDS);
  const token = await issueAgentToken(services, agent, { method: "human_mint" }, ttl,
    { ...metadata, actor: { type: "user", id: minter.userId }, org_id: minter.orgId });
  return { agent, token };
}

/**
 * An agent's JWT: its scopes (explicit ones win; else its policies' patterns; none: zero access), vaults, flags.
 * The reach is shown in the token while small (token-claims.ts); it is enforced from the live record and
 * policies on every request.
 */
async function issueAgentToken(services: AgentServices, agent: AgentRecord, claims: { method: string }, ttlSeconds: number,
  metadata: EventMetadata): Promise<IssuedToken> {
  const scopes = agent.scopes.length > 0 ? agent.scopes : [...new Set(
    (await principalAllowPolicies(services.db, { type: "agent", id: agent.id }, services.clock())).map((p) => p.pattern))];
  return issueAccessToken(services, { type: "agent", id: agent.id, orgId: agent.orgId }, {
    ...reachClaims({ scopes, vaultIds: agent.vaultIds }), intents_api_enabled: agent.intentsApiEnabled, ...claims,
  }, ttlSeconds, metadata);
}
