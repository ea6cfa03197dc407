/** An organisation and its membership: who belongs to it, in which role. */
import { z } from "zod";
import { defineEvent, eventReader, type EventsOf } from "./define.js";

const Role = z.enum(["owner", "admin", "member"]);

export const OrgCreated = defineEvent("OrgCreated", z.object({ org_id: z.uuid(), name: z.string(), owner_id: z.uuid() }));
export const OrgMemberJoined = defineEvent("OrgMemberJoined", z.object({ user_id: z.uuid(), role: Role }));
export const OrgMemberRoleChanged = defineEvent("OrgMemberRoleChanged", z.object({ user_id: z.uuid(), role: Role }));
export const OrgMemberRemoved = defineEvent("OrgMemberRemoved", z.object({ user_id: z.uuid() }));

export const orgEvents = [OrgCreated, OrgMemberJoined, OrgMemberRoleChanged, OrgMemberRemoved] as const;
export type OrgEvent = EventsOf<typeof orgEvents>;
export const readOrgEvent = eventReader(orgEvents);
