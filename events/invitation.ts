/**
 * An invitation to join an organisation, mailed to an address with a single-use token: only the SHA-256 of
 * the token's secret is kept. It ends accepted (the invitee signed up into the org), revoked, or by expiring.
 */
import { z } from "zod";
import { defineEvent, eventReader, type EventsOf } from "./define.js";

/** Invitations never grant ownership: an owner makes an owner from among the members. */
export const InvitedRole = z.enum(["admin", "member"]);

export const InvitationSent = defineEvent("InvitationSent", z.object({
  invitation_id: z.uuid(),
  org_id: z.uuid(),
  email: z.string(),
  role: InvitedRole,
  invited_by: z.uuid(),
  /** SHA-256 (hex) of the secret part of the mailed token. */
  token_hash: z.string(),
  expires_at: z.iso.datetime({ offset: true }),
}));

/** The token came back with a new account's password: `user_id` joined `org_id` with the invited role. */
export const InvitationAccepted = defineEvent("InvitationAccepted", z.object({
  invitation_id: z.uuid(), org_id: z.uuid(), user_id: z.uuid(),
}));

export const InvitationRevoked = defineEvent("InvitationRevoked", z.object({
  invitation_id: z.uuid(), org_id: z.uuid(), revoked_by: z.uuid(),
}));

export const invitationEvents = [InvitationSent, InvitationAccepted, InvitationRevoked] as const;
export type InvitationEvent = EventsOf<typeof invitationEvents>;
export const readInvitationEvent = eventReader(invitationEvents);
