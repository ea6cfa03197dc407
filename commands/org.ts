/**
 * The organisation aggregate: its members and their roles. The rules that need the whole membership live
 * here: an org always keeps an owner, and only owners make or unmake owners.
 */
import { OrgCreated, OrgMemberJoined, OrgMemberRemoved, OrgMemberRoleChanged, readOrgEvent, type OrgEvent } from "../events/org.js";
import { defineAggregate } from "./aggregate.js";
import type { Decider } from "./decider.js";
import { Conflict, Forbidden, NotFound } from "./errors.js";
import type { Role } from "./user.js";

export type OrgCommand =
  | { type: "CreateOrg"; orgId: string; name: string; ownerId: string }
  | { type: "AddMember"; userId: string; role: Role }
  | { type: "ChangeMemberRole"; actorId: string; userId: string; role: Role }
  | { type: "RemoveMember"; actorId: string; userId: string }
  /** The member deletes their own account. */
  | { type: "LeaveOrg"; userId: string };

export type OrgState = { status: "absent" } | { status: "active"; orgId: string; members: Record<string, Role> };

export class OrgNotFound extends NotFound {
  constructor() { super("the organisation does not exist"); this.name = "OrgNotFound"; }
}
export class OrgAlreadyExists extends Conflict {
  constructor() { super("the organisation already exists"); this.name = "OrgAlreadyExists"; }
}
export class MemberNotFound extends NotFound {
  constructor() { super("no such member in this organisation"); this.name = "MemberNotFound"; }
}
export class MemberAlreadyInOrg extends Conflict {
  constructor() { super("the user is already a member"); this.name = "MemberAlreadyInOrg"; }
}
export class RoleChangeForbidden extends Forbidden {
  constructor(detail: string) { super(detail); this.name = "RoleChangeForbidden"; }
}
export class LastOwner extends Conflict {
  constructor() {
    super("the organisation must keep at least one owner: make another member owner first");
    this.name = "LastOwner";
  }
}

export const initialState: OrgState = { status: "absent" };

export function evolve(state: OrgState, event: OrgEvent): OrgState {
  switch (event.type) {
    case "OrgCreated":
      return { status: "active", orgId: event.data.org_id, members: { [event.data.owner_id]: "owner" } };
    case "OrgMemberJoined":
    case "OrgMemberRoleChanged":
      return state.status === "active"
        ? { ...state, members: { ...state.members, [event.data.user_id]: event.data.role } } : state;
    case "OrgMemberRemoved": {
      if (state.status !== "active") return state;
      const { [event.data.user_id]: _removed, ...members } = state.members;
      return { ...state, members };
    }
  }
}

function ownerCount(members: Record<string, Role>): number {
  return Object.values(members).filter((role) => role === "owner").length;
}

/** Owners may do anything to anyone; admins may manage admins and members but not touch owners. */
function authorize(members: Record<string, Role>, actorId: string, targetRole: Role, newRole?: Role): void {
  const actorRole = members[actorId];
  if (actorRole !== "owner" && actorRole !== "admin") throw new RoleChangeForbidden("only owners and admins manage members");
  if (actorRole === "admin" && (targetRole === "owner" || newRole === "owner")) {
    throw new RoleChangeForbidden("only owners can grant or change the owner role");
  }
}

export function decide(command: OrgCommand, state: OrgState): OrgEvent[] {
  if (command.type === "CreateOrg") {
    if (state.status !== "absent") throw new OrgAlreadyExists();
    return [OrgCreated.of({ org_id: command.orgId, name: command.name, owner_id: command.ownerId })];
  }
  if (state.status !== "active") throw new OrgNotFound();
  const { members } = state;
  switch (command.type) {
    case "AddMember":
      if (members[command.userId]) throw new MemberAlreadyInOrg();
      return [OrgMemberJoined.of({ user_id: command.userId, role: command.role })];
    case "ChangeMemberRole": {
      const current = members[command.userId];
      if (!current) throw new MemberNotFound();
      authorize(members, command.actorId, current, command.role);
      if (current === command.role) return [];
      if (current === "owner" && ownerCount(members) === 1) throw new LastOwner();
      return [OrgMemberRoleChanged.of({ user_id: command.userId, role: command.role })];
    }
    case "RemoveMember": {
      const current = members[command.userId];
      if (!current) throw new MemberNotFound();
      authorize(members, command.actorId, current);
      if (current === "owner" && ownerCount(members) === 1) throw new LastOwner();
      return [OrgMemberRemoved.of({ user_id: command.userId })];
    }
    case "LeaveOrg": {
      const current = members[command.userId];
      if (!current) return [];
      // The sole member may leave (the org is left empty); a last owner among others must hand over first.
      if (current === "owner" && ownerCount(members) === 1 && Object.keys(members).length > 1) throw new LastOwner();
      return [OrgMemberRemoved.of({ user_id: command.userId })];
    }
  }
}

export const orgDecider: Decider<OrgCommand, OrgState, OrgEvent> = { initialState, evolve, decide };

export const orgAggregate = defineAggregate("org", orgDecider, readOrgEvent);
