/**
 * Who may use an agent's Intents API: the agent itself (with a token minted while `intents_api_enabled` was
 * on) or its human (the user who registered it, or an owner or admin of its organisation); the agent must
 * have the API enabled by a human.
 */
import { AgentNotFound } from "../../commands/agent.js";
import { Forbidden } from "../../commands/errors.js";
import { agentView, type AgentView } from "../agents/queries.js";
import type { Services } from "../app/services.js";
import type { Principal } from "../auth/principal.js";

export class IntentsNotEnabled extends Forbidden {
  constructor(reason: string) {
    super(reason);
    this.name = "IntentsNotEnabled";
  }
}

export class NotTheAgentsHuman extends Forbidden {
  constructor(what: string) {
    super(what);
    this.name = "NotTheAgentsHuman";
  }
}

/** The agent, if the caller may read its transactions (enabled or not: history stays readable). */
export async function agentForReading(services: Pick<Services, "db">, principal: Principal, agentId: string): Promise<AgentView> {
  const agent = await agentView(services.db, principal.orgId, agentId);
  if (!agent) throw new AgentNotFound(agentId);
  if (principal.type === "agent") {
    if (principal.id !== agent.id) throw new NotTheAgentsHuman("an agent may only use its own Intents API");
  } else if (principal.id !== agent.createdBy && principal.role !== "owner" && principal.role !== "admin") {
    throw new NotTheAgentsHuman("only the agent, the human who registered it, or an organisation owner or admin may use its Intents API");
  }
  return agent;
}

/** The agent, if the caller may have it sign. */
export async function agentForSigning(services: Pick<Services, "db">, principal: Principal, agentId: string): Promise<AgentView> {
  const agent = await agentForReading(services, principal, agentId);
  if (!agent.intentsApiEnabled) throw new IntentsNotEnabled(`the Intents API is not enabled for agent ${agent.id}; a human can enable it`);
  if (principal.type === "agent" && !principal.intentsApiEnabled) {
    throw new IntentsNotEnabled("Intents API is not enabled on this token; exchange the agent's key for a fresh token");
  }
  if (!agent.isActive) throw new IntentsNotEnabled(`agent ${agent.id} is inactive`);
  return agent;
}
