/**
 * Share mail, never with the value: the creator hears of every read (who or which address, how many reads
 * are left; a mail that cannot be sent is logged, not fatal: the read is recorded), and an email share's
 * address hears that something waits for it.
 */
import type { ShareDetails } from "../../commands/share.js";
import type { Actor } from "../../events/actor.js";
import { findAgentById } from "../agents/queries.js";
import type { Services } from "../app/services.js";
import { findUserById } from "../humans/queries.js";

/** The human to tell: the creator, or the human who registered the agent that created the share. */
async function creatorAddress(services: Pick<Services, "db" | "clock">, createdBy: ShareDetails["createdBy"]):
  Promise<string | undefined> {
  const { db } = services;
  const userId = createdBy.type === "user" ? createdBy.id : (await findAgentById(db, createdBy.id, services.clock()))?.createdBy;
  const user = userId ? await findUserById(db, userId) : undefined;
  return user?.active ? user.email : undefined;
}

export async function notifyShareAccessed(
  services: Pick<Services, "db" | "clock" | "mail" | "logger">, share: ShareDetails,
  access: { accessCount: number; by: Actor | null; ip: string },
): Promise<void> {
  const to = await creatorAddress(services, share.createdBy);
  if (!to) return;
  const reader = access.by ? `${access.by.type} ${access.by.id}` : "someone with the link";
  const limit = share.maxAccessCount === 0 ? "no limit" : `${share.maxAccessCount - access.accessCount} of ${share.maxAccessCount} reads left`;
  try {
    await services.mail.send({
      to,
      subject: "A secret you shared was read",
      text: [
        `Share ${share.shareId} of ${share.path} (version ${share.version}) was read by ${reader} from ${access.ip}.`,
        `This was read ${access.accessCount} (${limit}).`,
        `Revoke it at once with DELETE /v1/share/${share.shareId}.`,
      ].join("\n"),
    });
  } catch (error) {
    services.logger.warn({ err: error, share_id: share.shareId }, "share access notification not sent");
  }
}

/** An email share's address learns of it, and that signing up or in with that address claims it. */
export async function notifyEmailRecipient(
  services: Pick<Services, "mail" | "config" | "logger">, share: ShareDetails & { recipientEmail: string },
): Promise<void> {
  await services.mail.send({
    to: share.recipientEmail,
    subject: "A secret was shared with you on Keyledger",
    text: [
      `A secret (${share.path}) was shared with ${share.recipientEmail} until ${share.expiresAt.toISOString()}.`,
      `Sign up or sign in with this address at ${services.config.publicUrl ?? "your Keyledger server"} to accept it:`,
      `it then appears in GET /v1/shares/inbound (share ${share.shareId}).`,
    ].join("\n"),
  }).catch((error: unknown) => services.logger.warn({ err: error, share_id: share.shareId }, "share invitation not sent"));
}
