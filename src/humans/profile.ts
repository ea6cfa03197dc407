/** A signed-in user's own account: profile, password, deletion. */
import { emailAggregate } from "../../commands/email.js";
import { orgAggregate } from "../../commands/org.js";
import { userAggregate, UserNotFound, type UserCommand } from "../../commands/user.js";
import type { Services } from "../app/services.js";
import type { EventMetadata } from "../eventstore/port.js";
import { hashPassword, passwordMatches } from "./passwords.js";
import { emailId } from "./streams.js";

type ProfileServices = Pick<Services, "bus" | "store">;

export const DELETE_CONFIRMATION = "DELETE MY ACCOUNT";

export async function updateProfile(services: ProfileServices, userId: string,
  changes: { displayName?: string; marketingEmails?: boolean }, metadata: EventMetadata): Promise<void> {
  await services.bus.handle(userAggregate, userId, { type: "UpdateProfile", ...changes }, { metadata });
}

export async function changePassword(services: ProfileServices, userId: string, current: string, next: string,
  metadata: EventMetadata): Promise<void> {
  await services.bus.handle(userAggregate, userId, async (state): Promise<UserCommand> => {
    if (state.status !== "active") throw new UserNotFound();
    const currentPasswordMatches = await passwordMatches(state.passwordHash, current);
    return { type: "ChangePassword", currentPasswordMatches, newPasswordHash: await hashPassword(next) };
  }, { metadata });
}

/**
 * Leaves the organisation (refused for its last owner while others remain), deletes the user, then frees
 * the address for a new signup. The user's events stay: they are the audit trail.
 */
export async function deleteAccount(services: ProfileServices, user: { id: string; orgId: string; email: string },
  metadata: EventMetadata): Promise<void> {
  await services.bus.handle(orgAggregate, user.orgId, { type: "LeaveOrg", userId: user.id }, { metadata });
  await services.bus.handle(userAggregate, user.id, { type: "DeleteUser" }, { metadata });
  await services.bus.handle(emailAggregate, emailId(user.email),
    { type: "ReleaseEmail", userId: user.id }, { metadata });
}
