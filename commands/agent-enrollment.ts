/**
 * Agent self-enrolment for one human email: at most one request per cooldown window, whether or not an
 * account has that email (answering differently would tell the caller which emails have accounts).
 */
import { AgentEnrollmentRequested, readAgentEnrollmentEvent, type AgentEnrollmentEvent } from "../events/agent-enrollment.js";
import { defineAggregate } from "./aggregate.js";
import type { Decider } from "./decider.js";
import { RateLimited } from "./errors.js";

export const ENROLLMENT_COOLDOWN_SECONDS = 600;

export interface RequestAgentEnrollment {
  type: "RequestAgentEnrollment";
  humanEmail: string;
  agentName: string;
  agentId: string | null;
}

export interface AgentEnrollmentState {
  lastRequestedAt?: Date;
}

export class EnrollmentCoolingDown extends RateLimited {
  constructor(retryAfterSeconds: number) {
    super(`an agent was enrolled for this email recently; retry in ${retryAfterSeconds} s`, retryAfterSeconds,
      { detail: "an agent was enrolled for this email recently; try again later" });
    this.name = "EnrollmentCoolingDown";
  }
}

export const agentEnrollmentDecider: Decider<RequestAgentEnrollment, AgentEnrollmentState, AgentEnrollmentEvent> = {
  initialState: {},
  evolve: (_state, event) => ({ lastRequestedAt: new Date(event.data.requested_at) }),
  decide(command, state, now) {
    if (state.lastRequestedAt) {
      const elapsedSeconds = (now.getTime() - state.lastRequestedAt.getTime()) / 1000;
      if (elapsedSeconds < ENROLLMENT_COOLDOWN_SECONDS) {
        throw new EnrollmentCoolingDown(Math.ceil(ENROLLMENT_COOLDOWN_SECONDS - elapsedSeconds));
      }
    }
    return [AgentEnrollmentRequested.of({
      human_email: command.humanEmail, agent_name: command.agentName, agent_id: command.agentId,
      requested_at: now.toISOString(),
    })];
  },
};

export const agentEnrollmentAggregate = defineAggregate("agent_enrollment", agentEnrollmentDecider, readAgentEnrollmentEvent);
