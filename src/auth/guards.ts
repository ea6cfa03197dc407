/**
 * Authorization checks routes call first thing: the caller must be authenticated, and for these operations a
 * human, and for some a human with a given role.
 */
import { Forbidden, Unauthenticated } from "../../commands/errors.js";
import type { Principal, UserPrincipal } from "./principal.js";

export class AuthenticationRequired extends Unauthenticated {
  constructor() { super("authentication is required"); this.name = "AuthenticationRequired"; }
}

export class HumansOnly extends Forbidden {
  constructor() { super("agents cannot manage agents, policies or guardrails"); this.name = "HumansOnly"; }
}

export class RoleRequired extends Forbidden {
  constructor(roles: readonly string[]) { super(`this requires the role ${roles.join(" or ")}`); this.name = "RoleRequired"; }
}

/** Human-only operations (agent management, policies, guardrails): an agent may never act on them. */
export function requireUser(principal: Principal | undefined): UserPrincipal {
  if (!principal) throw new AuthenticationRequired();
  if (principal.type !== "user") throw new HumansOnly();
  return principal;
}

/** A human caller holding one of the roles in their organisation. */
export function requireRole(principal: Principal | undefined, ...roles: UserPrincipal["role"][]): UserPrincipal {
  const user = requireUser(principal);
  if (!roles.includes(user.role)) throw new RoleRequired(roles);
  return user;
}
