/**
 * An agent's life: created once (with an API key and identity keys made outside, since they are random),
 * updated by humans, keys rotated, Shroud router keys minted and revoked (router-keys.ts), deleted for good. Every command names the caller's organisation: an
 * agent of another organisation is as absent as one that never existed.
 */
import {
  AgentApiKeyRotated, AgentCreated, AgentDeleted, AgentIdentityKeysRotated, AgentUpdated, readAgentEvent,
  type AgentApiKeyHash, type AgentEvent, type AgentSettings, type IdentityKeys,
} from "../events/agent.js";
import { defineAggregate } from "./aggregate.js";
import type { Decider } from "./decider.js";
import { Conflict, Invalid, NotFound } from "./errors.js";
import {
  decideMintRouterKey, decideRevokeRouterKey, evolveRouterKeys, NO_ROUTER_KEYS, type MintRouterKey, type RevokeRouterKey,
  type RouterKeys,
} from "./router-keys.js";

export type AgentCommand =
  | {
    type: "CreateAgent"; agentId: string; orgId: string; createdBy: string; origin: "api" | "enrollment";
    settings: AgentSettings; apiKey: AgentApiKeyHash; identity: IdentityKeys;
  }
  | { type: "UpdateAgent"; agentId: string; orgId: string; changes: Partial<AgentSettings> }
  | { type: "RotateAgentApiKey"; agentId: string; orgId: string; apiKey: AgentApiKeyHash }
  | { type: "RotateAgentIdentityKeys"; agentId: string; orgId: string; identity: IdentityKeys }
  | { type: "DeleteAgent"; agentId: string; orgId: string }
  | MintRouterKey
  | RevokeRouterKey;

export type AgentState =
  | { status: "absent" }
  | { status: "present"; orgId: string; settings: AgentSettings; routerKeys: RouterKeys }
  | { status: "deleted"; orgId: string };

export class AgentNotFound extends NotFound {
  constructor(readonly agentId: string) {
    super(`agent ${agentId} not found`);
    this.name = "AgentNotFound";
  }
}

export class AgentAlreadyExists extends Conflict {
  constructor(readonly agentId: string) {
    super(`agent ${agentId} already exists`);
    this.name = "AgentAlreadyExists";
  }
}

/** Shortest and longest per-agent token lifetimes we accept. */
export const TOKEN_TTL_BOUNDS = { min: 60, max: 86_400 } as const;

export class InvalidAgentSettings extends Invalid {
  constructor(detail: string) {
    super(detail);
    this.name = "InvalidAgentSettings";
  }
}

function checkSettings(settings: Partial<AgentSettings>): void {
  if (settings.name !== undefined && settings.name.trim() === "") throw new InvalidAgentSettings("name must not be empty");
  const ttl = settings.token_ttl_seconds;
  if (ttl != null && (ttl < TOKEN_TTL_BOUNDS.min || ttl > TOKEN_TTL_BOUNDS.max)) {
    throw new InvalidAgentSettings(
      `token_ttl_seconds must be from ${TOKEN_TTL_BOUNDS.min} to ${TOKEN_TTL_BOUNDS.max}, or null for the default`);
  }
}

/** The fields whose value would change; array and scalar values compared by their JSON form. */
function changedFields(current: AgentSettings, changes: Partial<AgentSettings>): Partial<AgentSettings> {
  return Object.fromEntries(Object.entries(changes).filter(([field, value]) =>
    value !== undefined && JSON.stringify(value) !== JSON.stringify(current[field as keyof AgentSettings])));
}

function present(state: AgentState, command: { agentId: string; orgId: string }): Extract<AgentState, { status: "present" }> {
  if (state.status !== "present" || state.orgId !== command.orgId) throw new AgentNotFound(command.agentId);
  return state;
}

export const agentDecider: Decider<AgentCommand, AgentState, AgentEvent> = {
  initialState: { status: "absent" },

  evolve(state, event) {
    switch (event.type) {
      case "AgentCreated": {
        const { agent_id, org_id, created_by, origin, auth_method, api_key, identity, created_at, ...settings } = event.data;
        return { status: "present", orgId: org_id, settings, routerKeys: NO_ROUTER_KEYS };
      }
      case "AgentUpdated":
        return state.status === "present" ? { ...state, settings: { ...state.settings, ...event.data.changes } } : state;
      case "AgentDeleted":
        return { status: "deleted", orgId: event.data.org_id };
      case "RouterKeyMinted":
      case "RouterKeyRevoked":
        return state.status === "present" ? { ...state, routerKeys: evolveRouterKeys(state.routerKeys, event) } : state;
      default:
        return state;
    }
  },

  decide(command, state, now) {
    const at = now.toISOString();
    const ids = { agent_id: command.agentId, org_id: command.orgId };
    switch (command.type) {
      case "CreateAgent":
        if (state.status !== "absent") throw new AgentAlreadyExists(command.agentId);
        checkSettings(command.settings);
        return [AgentCreated.of({
          ...ids, created_by: command.createdBy, origin: command.origin, auth_method: "api_key",
          ...command.settings, api_key: command.apiKey, identity: command.identity, created_at: at,
        })];
      case "UpdateAgent": {
        const current = present(state, command);
        checkSettings(command.changes);
        const changes = changedFields(current.settings, command.changes);
        return Object.keys(changes).length === 0 ? [] : [AgentUpdated.of({ ...ids, changes, updated_at: at })];
      }
      case "RotateAgentApiKey":
        present(state, command);
        return [AgentApiKeyRotated.of({ ...ids, api_key: command.apiKey, rotated_at: at })];
      case "RotateAgentIdentityKeys":
        present(state, command);
        return [AgentIdentityKeysRotated.of({ ...ids, identity: command.identity, rotated_at: at })];
      case "DeleteAgent":
        present(state, command);
        return [AgentDeleted.of({ ...ids, deleted_at: at })];
      case "MintRouterKey":
        return decideMintRouterKey(present(state, command), command, now);
      case "RevokeRouterKey":
        return decideRevokeRouterKey(present(state, command), command, now);
    }
  },
};

export const agentAggregate = defineAggregate("agent", agentDecider, readAgentEvent);
