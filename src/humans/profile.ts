/** A signed-in user's own account: profile, password, deletion. */
import { orgDecider } from "../../commands/org.js";
import { emailDecider } from "../../commands/email.js";
import { userDecider, UserNotFound } from "../../commands/user.js";
import { readEmailEvent } from "../../events/email.js";
import { readOrgEvent } from "../../events/org.js";
import { readUserEvent } from "../../events/user.js";
import type { Services } from "../app/services.js";
import type { EventMetadata } from "../eventstore/port.js";
import { hashPassword, passwordMatches } from "./passwords.js";
import { emailStream, loadState, orgStream, userStream } from "./streams.js";

type ProfileServices = Pick<Services, "bus" | "store">;

export const DELETE_CONFIRMATION = "DELETE MY ACCOUNT";

export async function updateProfile(services: ProfileServices, userId: string,
  changes: { displayName?: string; marketingEmails?: boolean }, metadata: EventMetadata): Promise<void> {
  await services.bus.handle(userStream(userId), userDecider, readUserEvent, { type: "UpdateProfile", ...changes }, { metadata });
}

export async function changePassword(services: ProfileServices, userId: string, current: string, next: string,
  metadata: EventMetadata): Promise<void> {
  const state = await loadState(services.store, userStream(userId), userDecider, readUserEvent);
  if (state.status !== "active") throw new UserNotFound();
  const currentPasswordMatches = await passwordMatches(state.passwordHash, current);
  await services.bus.handle(userStream(userId), userDecider, readUserEvent,
    { type: "ChangePassword", currentPasswordMatches, newPasswordHash: await hashPassword(next) }, { metadata });
}

/**
 * Leaves the organisation (refused for its last owner while others remain), deletes the user, then frees
 * the address for a new signup. The user's events stay: they are the audit trail.
 */
export async function deleteAccount(services: ProfileServices, user: { id: string; orgId: string; email: string },
  metadata: EventMetadata): Promise<void> {
  await services.bus.handle(orgStream(user.orgId), orgDecider, readOrgEvent, { type: "LeaveOrg", userId: user.id }, { metadata });
  await services.bus.handle(userStream(user.id), userDecider, readUserEvent, { type: "DeleteUser" }, { metadata });
  await services.bus.handle(emailStream(user.email), emailDecider, readEmailEvent,
    { type: "ReleaseEmail", userId: user.id }, { metadata });
}
