/**
 * Creating an account, the same way for a verified signup, a Google sign-up and `keyledger user create`:
 * claim the address (one account per address), then the organisation (new, with the user as owner, or an
 * existing one joined with a role), then the user.
 */
import { randomUUID } from "node:crypto";
import { emailAggregate } from "../../commands/email.js";
import { orgAggregate } from "../../commands/org.js";
import { userAggregate, type Role } from "../../commands/user.js";
import type { CommandBus } from "../app/command-bus.js";
import type { EventMetadata } from "../eventstore/port.js";
import { normaliseEmail, emailId } from "./streams.js";

export interface NewAccount {
  email: string;
  displayName?: string;
  authMethod: "password" | "google";
  passwordHash?: string;
  googleSubject?: string;
  /** Join this organisation with `role` instead of founding a new one. */
  join?: { orgId: string; role: Role };
  /** Chosen by the caller when it must be known in advance (a verified signup records it first). */
  userId?: string;
}

export async function registerUser(
  bus: CommandBus, account: NewAccount, metadata: EventMetadata,
): Promise<{ userId: string; orgId: string; role: Role }> {
  const userId = account.userId ?? randomUUID();
  const email = normaliseEmail(account.email);
  const displayName = account.displayName?.trim() || email.split("@")[0];
  await bus.handle(emailAggregate, emailId(email), { type: "ClaimEmail", email, userId }, { metadata });

  const orgId = account.join?.orgId ?? randomUUID();
  const role: Role = account.join?.role ?? "owner";
  const withOrg = { ...metadata, org_id: orgId };
  await bus.handle(orgAggregate, orgId, account.join
    ? { type: "AddMember", userId, role }
    : { type: "CreateOrg", orgId, name: `${displayName}'s organisation`, ownerId: userId }, { metadata: withOrg });
  await bus.handle(userAggregate, userId, {
    type: "RegisterUser", userId, orgId, email, displayName, authMethod: account.authMethod,
    passwordHash: account.passwordHash, googleSubject: account.googleSubject, role,
  }, { metadata: { ...withOrg, actor: metadata.actor ?? { type: "user", id: userId } } });
  return { userId, orgId, role };
}
