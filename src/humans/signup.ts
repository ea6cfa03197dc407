/** Signup by email: the account is created only when the mailed verification token comes back. */
import { randomUUID } from "node:crypto";
import { signupAggregate, VerificationTokenInvalid, type SignupCommand, type SignupState } from "../../commands/signup.js";
import type { Services } from "../app/services.js";
import type { EventMetadata } from "../eventstore/port.js";
import { newBearerSecret, parseBearerSecret } from "./one-time-secrets.js";
import { hashPassword } from "./passwords.js";
import { findUserByEmail } from "./queries.js";
import { registerUser } from "./register.js";
import { normaliseEmail } from "./streams.js";

export const VERIFICATION_TTL_MS = 24 * 60 * 60 * 1000;

type SignupServices = Pick<Services, "bus" | "store" | "db" | "mail" | "config" | "clock">;

/**
 * Records the pending signup and mails the token. An address that already has an account gets a notice
 * instead, and the caller the same answer either way: signup does not reveal who has an account.
 */
export async function requestSignup(
  services: SignupServices, input: { email: string; password: string; displayName?: string }, metadata: EventMetadata,
): Promise<void> {
  const email = normaliseEmail(input.email);
  if (await findUserByEmail(services.db, email)) {
    await services.mail.send({ to: email, subject: "Keyledger sign-up",
      text: "Someone tried to sign up to Keyledger with this address, which already has an account.\n" +
        "If it was you, sign in instead. If not, you can ignore this message.\n" });
    return;
  }
  const signupId = randomUUID();
  const { token, secretHash } = newBearerSecret(signupId);
  await services.bus.handle(signupAggregate, signupId, {
    type: "RequestSignup", signupId, email, displayName: input.displayName?.trim() ?? "",
    passwordHash: await hashPassword(input.password), tokenHash: secretHash,
    expiresAt: new Date(services.clock().getTime() + VERIFICATION_TTL_MS),
  }, { metadata });
  const link = `${services.config.publicUrl ?? ""}/verify-email?token=${encodeURIComponent(token)}`;
  await services.mail.send({ to: email, subject: "Verify your Keyledger account",
    text: `Open this link to verify your address and create your account:\n${link}\n\n` +
      `Or send this verification token to POST /v1/auth/verify-email:\n${token}\n\nIt expires in 24 hours.\n` });
}

/** Spends the token and creates the user with their organisation; answers the new ids. */
export async function verifySignup(
  services: SignupServices, token: string, metadata: EventMetadata,
): Promise<{ userId: string; orgId: string }> {
  const parsed = parseBearerSecret(token, 1);
  if (!parsed) throw new VerificationTokenInvalid();
  const userId = randomUUID();
  let pending = { status: "absent" } as SignupState;
  // The decider checks the token (and that it is still unspent) exactly, as it records the spending.
  await services.bus.handle(signupAggregate, parsed.ids[0], (state): SignupCommand => {
    pending = state;
    return { type: "VerifySignup", presentedTokenHash: parsed.secretHash, userId };
  }, { metadata });
  if (pending.status !== "pending") throw new VerificationTokenInvalid();
  return registerUser(services.bus, {
    userId, email: pending.email, displayName: pending.displayName, authMethod: "password", passwordHash: pending.passwordHash,
  }, metadata);
}
