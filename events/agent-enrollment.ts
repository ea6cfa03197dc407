/**
 * Agent self-enrolment requests, one stream per human email (`agent_enrollment-<uuid derived from the
 * email>`): the cooldown that allows one enrolment per email per 10 minutes is decided on this stream.
 */
import { z } from "zod";
import { defineEvent, eventReader, type EventsOf } from "./define.js";

export const AgentEnrollmentRequested = defineEvent("AgentEnrollmentRequested", z.object({
  /** Normalised (trimmed, lower-case). */
  human_email: z.string(),
  agent_name: z.string(),
  /** The agent created for it; null when no account has that email (the caller is not told which). */
  agent_id: z.uuid().nullable(),
  requested_at: z.iso.datetime(),
}));

export const agentEnrollmentEvents = [AgentEnrollmentRequested] as const;
export type AgentEnrollmentEvent = EventsOf<typeof agentEnrollmentEvents>;
export const readAgentEnrollmentEvent = eventReader(agentEnrollmentEvents);
