/**
 * Invitations to an organisation. An owner or admin invites an address with a role; the address receives a
 * single-use token (`<invitation id>.<secret>`, only the secret's digest kept) valid INVITATION_TTL_MS. Whoever
 * brings the token back with a password signs up into the inviting organisation with the invited role: the
 * token came by mail to that address, so it verifies the address as a signup's mail does. An address that
 * already has an account cannot accept (an account belongs to exactly one organisation): 409, told only to the
 * token's holder. The inviter's answer is the same whether the address has an account or not.
 */
import { randomUUID } from "node:crypto";
import { foldRecorded } from "../../commands/aggregate.js";
import {
  INVITATION_TTL_MS, invitationAggregate, InvitationTokenInvalid, type InvitationCommand, type InvitedRole,
} from "../../commands/invitation.js";
import { Conflict } from "../../commands/errors.js";
import { sameDigest } from "../../commands/secret-compare.js";
import type { Role } from "../../commands/user.js";
import type { Services } from "../app/services.js";
import type { Queryable } from "../db/database.js";
import type { EventMetadata } from "../eventstore/port.js";
import { newBearerSecret, parseBearerSecret } from "./one-time-secrets.js";
import { hashPassword } from "./passwords.js";
import { findUserByEmail } from "./queries.js";
import { registerUser } from "./register.js";
import { normaliseEmail } from "./streams.js";

type InvitationServices = Pick<Services, "bus" | "store" | "db" | "mail" | "config" | "clock">;

export class AddressHasAccount extends Conflict {
  constructor() {
    super("this address already has a Keyledger account, which belongs to its own organisation: an account is a member " +
      "of exactly one organisation; sign in with it, or ask to be invited at another address");
    this.name = "AddressHasAccount";
  }
}

export interface Inviter { id: string; orgId: string; role: Role; email: string }

export async function inviteToOrg(services: InvitationServices, inviter: Inviter, rawEmail: string, role: InvitedRole,
  metadata: EventMetadata): Promise<{ invitationId: string; email: string }> {
  const email = normaliseEmail(rawEmail);
  const invitationId = randomUUID();
  const { token, secretHash } = newBearerSecret(invitationId);
  const command: InvitationCommand = { type: "Invite", invitationId, orgId: inviter.orgId, email, role, inviterId: inviter.id,
    inviterRole: inviter.role, tokenHash: secretHash, expiresAt: new Date(services.clock().getTime() + INVITATION_TTL_MS) };
  await services.bus.handle(invitationAggregate, invitationId, command, { metadata: { ...metadata, org_id: inviter.orgId } });
  const link = `${services.config.publicUrl ?? ""}/accept-invite?token=${encodeURIComponent(token)}`;
  await services.mail.send({ to: email, subject: "You are invited to a Keyledger organisation",
    text: `${inviter.email} invites you to join their organisation on Keyledger as ${role}.\n\nOpen ${link}\n\n` +
      `Or send this invitation token with a password to POST /v1/auth/accept-invite:\n${token}\n\n` +
      "It works once, for 7 days. If you did not expect this, ignore this message.\n" });
  return { invitationId, email };
}

/** Spends the token and creates the invitee's account in the inviting organisation; answers the new ids. */
export async function acceptInvitation(services: InvitationServices,
  input: { token: string; password: string; displayName?: string }, metadata: EventMetadata,
): Promise<{ userId: string; orgId: string; role: Role }> {
  const parsed = parseBearerSecret(input.token.trim(), 1);
  if (!parsed) throw new InvitationTokenInvalid();
  const [invitationId] = parsed.ids;
  const invitation = foldRecorded(invitationAggregate, await services.store.readStream(invitationAggregate.stream(invitationId)));
  // The token is checked before the address: only the holder of a valid invitation learns that it has an account.
  if (invitation.status !== "pending" || invitation.expiresAt <= services.clock()
    || !sameDigest(invitation.tokenHash, parsed.secretHash)) throw new InvitationTokenInvalid();
  if (await findUserByEmail(services.db, invitation.email)) throw new AddressHasAccount();
  const passwordHash = await hashPassword(input.password);
  const userId = randomUUID();
  const withOrg = { ...metadata, org_id: invitation.orgId };
  // The decider checks the token again, exactly, as it records the spending (a concurrent accept loses here).
  await services.bus.handle(invitationAggregate, invitationId,
    { type: "AcceptInvitation", presentedTokenHash: parsed.secretHash, userId },
    { metadata: { ...withOrg, actor: metadata.actor ?? { type: "user", id: userId } } });
  return registerUser(services.bus, {
    userId, email: invitation.email, displayName: input.displayName, authMethod: "password", passwordHash,
    join: { orgId: invitation.orgId, role: invitation.role },
  }, withOrg);
}

export async function revokeInvitation(services: Pick<Services, "bus">, actor: Inviter, invitationId: string,
  metadata: EventMetadata): Promise<void> {
  await services.bus.handle(invitationAggregate, invitationId,
    { type: "RevokeInvitation", orgId: actor.orgId, actorId: actor.id, actorRole: actor.role },
    { metadata: { ...metadata, org_id: actor.orgId } });
}

export interface InvitationView {
  id: string; email: string; role: InvitedRole; invitedBy: string; createdAt: Date; expiresAt: Date;
  status: "pending" | "accepted" | "revoked" | "expired";
}

/** The organisation's invitations, newest first; a pending one past its expiry reads as expired. */
export async function listInvitations(db: Queryable, orgId: string, now: Date): Promise<InvitationView[]> {
  const { rows } = await db.query<{ id: string; email: string; role: InvitedRole; invited_by: string; created_at: Date | string;
    expires_at: Date | string; status: "pending" | "accepted" | "revoked" }>(
    `select id, email, role, invited_by, created_at, expires_at, status from invitations where org_id = $1
     order by created_at desc, id`, [orgId]);
  return rows.map((row) => {
    const expiresAt = new Date(row.expires_at);
    return { id: row.id, email: row.email, role: row.role, invitedBy: row.invited_by, createdAt: new Date(row.created_at),
      expiresAt, status: row.status === "pending" && expiresAt <= now ? "expired" : row.status };
  });
}
