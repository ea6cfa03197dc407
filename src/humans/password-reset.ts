/**
 * Forgotten passwords: `forgot-password` mails a single-use token to the account's address, `reset-password`
 * spends it to set a new password (which, as any password change, revokes the sessions issued before it).
 * The request answers the same whether or not the address has an account; the token is kept only as a digest
 * and names the user and the reset it belongs to (`<user id>.<reset id>.<secret>`).
 */
import { randomUUID } from "node:crypto";
import { InvalidResetToken, userAggregate } from "../../commands/user.js";
import type { Services } from "../app/services.js";
import type { EventMetadata } from "../eventstore/port.js";
import { newBearerSecret, parseBearerSecret } from "./one-time-secrets.js";
import { hashPassword } from "./passwords.js";
import { findUserByEmail, findUserById } from "./queries.js";
import { normaliseEmail } from "./streams.js";

/** How long a mailed reset token works. */
export const RESET_TOKEN_TTL_MS = 60 * 60 * 1000;

type ResetServices = Pick<Services, "bus" | "db" | "mail" | "config" | "clock">;

export async function requestPasswordReset(services: ResetServices, rawEmail: string, metadata: EventMetadata): Promise<void> {
  const email = normaliseEmail(rawEmail);
  const user = await findUserByEmail(services.db, email);
  if (!user?.active) return;
  const resetId = randomUUID();
  const { token, secretHash } = newBearerSecret(user.id, resetId);
  await services.bus.handle(userAggregate, user.id, {
    type: "RequestPasswordReset", resetId, secretHash, expiresAt: new Date(services.clock().getTime() + RESET_TOKEN_TTL_MS),
  }, { metadata: { ...metadata, org_id: user.orgId } });
  const link = `${services.config.publicUrl ?? ""}/reset-password?token=${encodeURIComponent(token)}`;
  await services.mail.send({ to: email, subject: "Reset your Keyledger password",
    text: `Someone (hopefully you) asked to reset the password of this Keyledger account.\n\nOpen ${link}\n\n` +
      `Or send this token with your new password to POST /v1/auth/reset-password:\n${token}\n\n` +
      "It works once, for one hour. If you did not ask for this, ignore this message: your password is unchanged.\n" });
}

export async function resetPassword(services: ResetServices, token: string, newPassword: string, metadata: EventMetadata): Promise<void> {
  const parsed = parseBearerSecret(token.trim(), 2);
  if (!parsed) throw new InvalidResetToken();
  const [userId, resetId] = parsed.ids;
  // An unknown or deleted user reads like any other bad token: the answer never confirms an id.
  const user = await findUserById(services.db, userId);
  if (!user?.active) throw new InvalidResetToken();
  const newPasswordHash = await hashPassword(newPassword);
  await services.bus.handle(userAggregate, userId, { type: "ResetPassword", resetId, secretHash: parsed.secretHash, newPasswordHash },
    { metadata: { ...metadata, org_id: user.orgId } });
}

export async function setInitialPassword(services: Pick<Services, "bus">, userId: string, password: string,
  metadata: EventMetadata): Promise<void> {
  await services.bus.handle(userAggregate, userId, { type: "SetInitialPassword", passwordHash: await hashPassword(password) },
    { metadata });
}
