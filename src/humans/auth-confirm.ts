/**
 * `X-Auth-Confirm`: a signed-in human proves it is still them before an irreversible or revealing step
 * (deleting the account, exporting its data). 1claw takes the account password or a re-auth token (`rat_`);
 * Keyledger takes the password (it issues no re-auth tokens), checked against the user's own stream.
 */
import { Forbidden } from "../../commands/errors.js";
import { userAggregate } from "../../commands/user.js";
import { loadAggregate } from "../app/aggregates.js";
import type { Services } from "../app/services.js";
import { passwordMatches } from "./passwords.js";

export const AUTH_CONFIRM_HEADER = "X-Auth-Confirm";

export class ConfirmationRequired extends Forbidden {
  constructor(reason: string) {
    super(`${reason}: send your password in the ${AUTH_CONFIRM_HEADER} header`);
    this.name = "ConfirmationRequired";
  }
}

/** Throws unless `confirmation` is the user's current password. */
export async function requirePasswordConfirmation(
  services: Pick<Services, "store">, userId: string, confirmation: string | undefined,
): Promise<void> {
  if (!confirmation) throw new ConfirmationRequired("this needs a fresh confirmation");
  const state = await loadAggregate(services.store, userAggregate, userId);
  if (state.status !== "active" || !state.passwordHash) {
    // Accounts that only sign in with Google set a password first (POST /v1/auth/set-password).
    throw new ConfirmationRequired("this account has no password yet (POST /v1/auth/set-password)");
  }
  if (!(await passwordMatches(state.passwordHash, confirmation))) throw new ConfirmationRequired("the confirmation is wrong");
}
