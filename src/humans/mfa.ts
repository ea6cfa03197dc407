/** TOTP MFA enrolment (setup, then confirmation with a first code, which yields the recovery codes) and removal. */
import { userAggregate, UserNotFound, type ActiveUser, type UserCommand, type UserState } from "../../commands/user.js";
import type { Services } from "../app/services.js";
import type { EventMetadata } from "../eventstore/port.js";
import { mfaProof } from "./login.js";
import { newRecoveryCodes, recoveryCodeHash } from "./one-time-secrets.js";
import { openTotpSecret, sealTotpSecret } from "./totp-secret.js";
import { matchingTotpStep, newTotpSecret, otpauthUri, base32 } from "./totp.js";

type MfaServices = Pick<Services, "bus" | "store" | "keys" | "clock">;

const ISSUER = "Keyledger";

function activeUser(state: UserState): ActiveUser {
  if (state.status !== "active") throw new UserNotFound();
  return state;
}

/** Starts (or restarts) enrolment: a fresh secret, shown once to put into an authenticator app. */
export async function startMfaSetup(services: MfaServices, userId: string, email: string, metadata: EventMetadata) {
  const secret = newTotpSecret();
  await services.bus.handle(userAggregate, userId,
    { type: "StartMfaSetup", sealedSecret: await sealTotpSecret(services.keys, userId, secret) }, { metadata });
  return { secret: base32(secret), otpauthUri: otpauthUri(secret, email, ISSUER) };
}

/** Turns MFA on when the code matches the pending secret; answers the recovery codes, shown this once. */
export async function confirmMfaSetup(services: MfaServices, userId: string, code: string, metadata: EventMetadata) {
  const recoveryCodes = newRecoveryCodes();
  await services.bus.handle(userAggregate, userId, async (state): Promise<UserCommand> => {
    const user = activeUser(state);
    const pending = user.mfa.pendingSecret;
    const totpStep = pending && !user.mfa.enabled
      ? matchingTotpStep(await openTotpSecret(services.keys, userId, pending), code.trim(), services.clock())
      : undefined;
    return { type: "ConfirmMfaSetup", totpStep, recoveryCodeHashes: recoveryCodes.map(recoveryCodeHash) };
  }, { metadata });
  return recoveryCodes;
}

/** Turns MFA off; needs a current TOTP code or an unused recovery code (a password alone is not enough). */
export async function disableMfa(services: MfaServices, userId: string, code: string, metadata: EventMetadata) {
  await services.bus.handle(userAggregate, userId, async (state): Promise<UserCommand> =>
    ({ type: "DisableMfa", proof: await mfaProof(services, activeUser(state), code) }), { metadata });
}
