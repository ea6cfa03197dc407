/**
 * Changing a signed-in user's address: `change-email` (with the current password) mails a 6-digit code to the
 * new address; `verify-email-change` with that code moves the account there. The new address is claimed in
 * its email stream before the user's stream records the change, so two accounts never hold one address;
 * the old address is released after. Wrong codes are counted: after a few, the change must be asked again.
 */
import { randomInt } from "node:crypto";
import { emailAggregate } from "../../commands/email.js";
import { emailChangeAccepts, InvalidEmailChangeCode, userAggregate, UserNotFound } from "../../commands/user.js";
import { loadAggregate } from "../app/aggregates.js";
import type { Services } from "../app/services.js";
import { sha256Hex } from "../auth/digest.js";
import type { EventMetadata } from "../eventstore/port.js";
import { passwordMatches } from "./passwords.js";
import { emailId, normaliseEmail } from "./streams.js";

/** How long the mailed code works. */
export const EMAIL_CODE_TTL_MS = 15 * 60 * 1000;

type EmailChangeServices = Pick<Services, "bus" | "store" | "mail" | "clock">;

/** The code's digest, bound to the user so equal codes of two users differ. */
const codeHash = (userId: string, code: string) => sha256Hex(`email-change:${userId}:${code.trim()}`);

export async function requestEmailChange(
  services: EmailChangeServices, userId: string, input: { newEmail: string; password: string }, metadata: EventMetadata,
): Promise<string> {
  const newEmail = normaliseEmail(input.newEmail);
  const code = String(randomInt(0, 1_000_000)).padStart(6, "0");
  await services.bus.handle(userAggregate, userId, async (state) => {
    if (state.status !== "active") throw new UserNotFound();
    return { type: "RequestEmailChange" as const, newEmail, codeHash: codeHash(userId, code),
      expiresAt: new Date(services.clock().getTime() + EMAIL_CODE_TTL_MS),
      passwordMatches: await passwordMatches(state.passwordHash, input.password) };
  }, { metadata });
  await services.mail.send({ to: newEmail, subject: "Confirm your new Keyledger address",
    text: `Your Keyledger account asked to move to this address. Your code:\n\n${code}\n\n` +
      "Send it to POST /v1/auth/verify-email-change within 15 minutes. If this was not you, ignore this message.\n" });
  return newEmail;
}

export async function verifyEmailChange(
  services: EmailChangeServices, userId: string, code: string, metadata: EventMetadata,
): Promise<string> {
  const hash = codeHash(userId, code);
  const state = await loadAggregate(services.store, userAggregate, userId);
  if (state.status !== "active" || !state.emailChange) throw new InvalidEmailChangeCode();
  if (!emailChangeAccepts(state, hash, services.clock())) {
    if (state.emailChange.expiresAt > services.clock()) {
      await services.bus.handle(userAggregate, userId, { type: "RejectEmailChangeCode" }, { metadata });
    }
    throw new InvalidEmailChangeCode();
  }
  const { newEmail } = state.emailChange;
  const oldEmail = state.email;
  // Taken meanwhile by another account: EmailTaken (409), and nothing changes.
  await services.bus.handle(emailAggregate, emailId(newEmail), { type: "ClaimEmail", email: newEmail, userId }, { metadata });
  try {
    await services.bus.handle(userAggregate, userId, { type: "CompleteEmailChange", codeHash: hash }, { metadata });
  } catch (error) {
    await services.bus.handle(emailAggregate, emailId(newEmail), { type: "ReleaseEmail", userId }, { metadata });
    throw error;
  }
  await services.bus.handle(emailAggregate, emailId(oldEmail), { type: "ReleaseEmail", userId }, { metadata });
  return newEmail;
}
