/**
 * `POST /v1/agents/enroll`: an agent names itself and the human it works for. If an active account has
 * that email, the agent is created in the account's organisation and its id and API key are mailed to
 * the human; the caller gets the same answer either way, so emails cannot be probed for accounts. One
 * enrolment per email per 10 minutes (decided on the email's enrolment stream).
 */
import { randomUUID } from "node:crypto";
import { agentEnrollmentAggregate } from "../../commands/agent-enrollment.js";
import type { Services } from "../app/services.js";
import { type EventMetadata } from "../eventstore/port.js";
import { findUserByEmail } from "../humans/queries.js";
import { normaliseEmail } from "../humans/streams.js";
import { createAgent, DEFAULT_AGENT_SETTINGS, type AgentServices } from "./service.js";
import { uuidFromName } from "../ids/name-based-id.js";

export interface EnrollmentRequest {
  name: string;
  description?: string;
  humanEmail: string;
}

/** A stable stream id per email that does not put the address itself in the stream name (name-based UUID). */
export function enrollmentId(email: string): string {
  return uuidFromName(`agent-enrollment:${normaliseEmail(email)}`, "v8");
}

export async function enrollAgent(
  services: AgentServices & Pick<Services, "mail">, request: EnrollmentRequest, metadata: EventMetadata,
): Promise<void> {
  const email = normaliseEmail(request.humanEmail);
  const owner = await findUserByEmail(services.db, email);
  const agentId = owner ? randomUUID() : null;
  // Throws EnrollmentCoolingDown for a second request within the window, account or not.
  await services.bus.handle(agentEnrollmentAggregate, enrollmentId(email), {
    type: "RequestAgentEnrollment", humanEmail: email, agentName: request.name, agentId,
  }, { metadata });
  if (!owner || !agentId) return;
  const { agent, apiKey } = await createAgent(services, { orgId: owner.orgId, userId: owner.id }, {
    ...DEFAULT_AGENT_SETTINGS, name: request.name, description: request.description ?? null,
  }, "enrollment", { ...metadata, org_id: owner.orgId }, agentId);
  await services.mail.send({
    to: email,
    subject: `Keyledger: agent "${agent.name}" enrolled in your organisation`,
    text: [
      `An agent named "${agent.name}" enrolled itself and named you as its human.`,
      "",
      `Agent ID: ${agent.id}`,
      `API key:  ${apiKey}`,
      "",
      "Give these to the agent's runtime (e.g. ONECLAW_AGENT_ID and ONECLAW_AGENT_API_KEY), then grant it access",
      "with policies. The key is shown only here. If you did not expect this agent, delete it: it can do nothing",
      "until a policy grants it access.",
    ].join("\n"),
  });
}
