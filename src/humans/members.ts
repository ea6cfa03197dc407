/** Managing the members of an organisation; the rules (owners, last owner) are the org decider's. */
import { emailAggregate } from "../../commands/email.js";
import { orgAggregate, type OrgCommand } from "../../commands/org.js";
import type { Role } from "../../commands/user.js";
import type { Services } from "../app/services.js";
import type { EventMetadata } from "../eventstore/port.js";
import { emailId } from "./streams.js";

type MemberServices = Pick<Services, "bus">;

export async function changeMemberRole(services: MemberServices, orgId: string, actorId: string, userId: string,
  role: Role, metadata: EventMetadata): Promise<void> {
  const command: OrgCommand = { type: "ChangeMemberRole", actorId, userId, role };
  await services.bus.handle(orgAggregate, orgId, command, { metadata });
}

/** Removes the member (their account can no longer act) and frees their address for a new signup. */
export async function removeMember(services: MemberServices, orgId: string, actorId: string,
  member: { id: string; email: string }, metadata: EventMetadata): Promise<void> {
  await services.bus.handle(orgAggregate, orgId,
    { type: "RemoveMember", actorId, userId: member.id }, { metadata });
  await services.bus.handle(emailAggregate, emailId(member.email),
    { type: "ReleaseEmail", userId: member.id }, { metadata });
}
