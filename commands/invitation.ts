/**
 * An invitation to an organisation: sent by an owner or admin to an address with a role (admin or member),
 * accepted once with the mailed token before it expires, or revoked by an owner or admin of the same org.
 */
import {
  InvitationAccepted, InvitationRevoked, InvitationSent, readInvitationEvent, type InvitationEvent,
} from "../events/invitation.js";
import { defineAggregate } from "./aggregate.js";
import type { Decider } from "./decider.js";
import { Conflict, Forbidden, Invalid, NotFound } from "./errors.js";
import { sameDigest } from "./secret-compare.js";
import type { Role } from "./user.js";

/** How long a mailed invitation works. */
export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export type InvitedRole = Exclude<Role, "owner">;

export type InvitationCommand =
  | { type: "Invite"; invitationId: string; orgId: string; email: string; role: Role; inviterId: string;
      inviterRole: Role; tokenHash: string; expiresAt: Date }
  | { type: "AcceptInvitation"; presentedTokenHash: string; userId: string }
  | { type: "RevokeInvitation"; orgId: string; actorId: string; actorRole: Role };

export type InvitationState =
  | { status: "absent" }
  | { status: "pending"; invitationId: string; orgId: string; email: string; role: InvitedRole; tokenHash: string; expiresAt: Date }
  | { status: "accepted" | "revoked"; invitationId: string; orgId: string };

/** Unknown, wrong, spent, revoked or expired: the caller is told no more than that. */
export class InvitationTokenInvalid extends Invalid {
  constructor() { super("the invitation is invalid, already used, revoked or expired; ask for a new one"); this.name = "InvitationTokenInvalid"; }
}
export class InvitationNotFound extends NotFound {
  constructor() { super("no such invitation in this organisation"); this.name = "InvitationNotFound"; }
}
export class InvitationNotPending extends Conflict {
  constructor() { super("the invitation was already accepted or revoked"); this.name = "InvitationNotPending"; }
}
export class InviteForbidden extends Forbidden {
  constructor(detail: string) { super(detail); this.name = "InviteForbidden"; }
}

export const initialState: InvitationState = { status: "absent" };

export function evolve(_state: InvitationState, event: InvitationEvent): InvitationState {
  switch (event.type) {
    case "InvitationSent": {
      const d = event.data;
      return { status: "pending", invitationId: d.invitation_id, orgId: d.org_id, email: d.email, role: d.role, tokenHash: d.token_hash,
        expiresAt: new Date(d.expires_at) };
    }
    case "InvitationAccepted": return { status: "accepted", invitationId: event.data.invitation_id, orgId: event.data.org_id };
    case "InvitationRevoked": return { status: "revoked", invitationId: event.data.invitation_id, orgId: event.data.org_id };
  }
}

function mayManageInvitations(role: Role): boolean {
  return role === "owner" || role === "admin";
}

export function decide(command: InvitationCommand, state: InvitationState, now: Date): InvitationEvent[] {
  switch (command.type) {
    case "Invite": {
      if (state.status !== "absent") throw new Error(`invitation ${command.invitationId} exists already`);
      if (!mayManageInvitations(command.inviterRole)) throw new InviteForbidden("only owners and admins invite");
      if (command.role === "owner") throw new InviteForbidden("an invitation grants admin or member; make an owner from among the members");
      return [InvitationSent.of({ invitation_id: command.invitationId, org_id: command.orgId, email: command.email,
        role: command.role, invited_by: command.inviterId, token_hash: command.tokenHash,
        expires_at: command.expiresAt.toISOString() })];
    }
    case "AcceptInvitation":
      if (state.status !== "pending" || state.expiresAt <= now || !sameDigest(state.tokenHash, command.presentedTokenHash)) {
        throw new InvitationTokenInvalid();
      }
      return [InvitationAccepted.of({ invitation_id: state.invitationId, org_id: state.orgId, user_id: command.userId })];
    case "RevokeInvitation":
      if (state.status === "absent" || state.orgId !== command.orgId) throw new InvitationNotFound();
      if (!mayManageInvitations(command.actorRole)) throw new InviteForbidden("only owners and admins revoke invitations");
      if (state.status !== "pending") throw new InvitationNotPending();
      return [InvitationRevoked.of({ invitation_id: state.invitationId, org_id: state.orgId, revoked_by: command.actorId })];
  }
}

export const invitationDecider: Decider<InvitationCommand, InvitationState, InvitationEvent> = { initialState, evolve, decide };

export const invitationAggregate = defineAggregate("invitation", invitationDecider, readInvitationEvent);
