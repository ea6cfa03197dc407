/**
 * Authorization checks routes call first thing. They throw 403 problems: the caller is known (authenticated)
 * but may not do this.
 */
import { HttpProblem } from "../http/problems.js";
import type { Principal, UserPrincipal } from "./principal.js";

/** Human-only operations (agent management, policies, guardrails): an agent may never act on them. */
export function requireUser(principal: Principal | undefined): UserPrincipal {
  if (!principal) throw new HttpProblem(401, "authentication is required", { "WWW-Authenticate": "Bearer" });
  if (principal.type !== "user") throw new HttpProblem(403, "agents cannot manage agents, policies or guardrails");
  return principal;
}

/** A human caller holding one of the roles in their organisation. */
export function requireRole(principal: Principal | undefined, ...roles: UserPrincipal["role"][]): UserPrincipal {
  const user = requireUser(principal);
  if (!roles.includes(user.role)) throw new HttpProblem(403, `this requires the role ${roles.join(" or ")}`);
  return user;
}
