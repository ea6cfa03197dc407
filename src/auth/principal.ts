/** Who is calling, once authenticated: a human user or an agent, always within one organisation. */
import type { Actor } from "../../events/actor.js";

interface PrincipalBase {
  id: string;
  orgId: string;
  /** How the caller proved who it is. */
  credential: "jwt" | "api_key";
  /** The access token's id (`jti`) when authenticated by JWT; what `DELETE /v1/auth/token` revokes. */
  tokenId?: string;
  tokenExpiresAt?: Date;
}

export interface UserPrincipal extends PrincipalBase {
  type: "user";
  email: string;
  role: "owner" | "admin" | "member";
}

export interface AgentPrincipal extends PrincipalBase {
  type: "agent";
  scopes: string[];
  vaultIds: string[];
  intentsApiEnabled: boolean;
}

export type Principal = UserPrincipal | AgentPrincipal;

/** The `sub` claim of our JWTs: `user:<uuid>` or `agent:<uuid>`. */
export function subjectOf(principal: Actor): string {
  return `${principal.type}:${principal.id}`;
}

export function parseSubject(sub: string): Actor | undefined {
  const match = /^(user|agent):([0-9a-f-]{36})$/i.exec(sub);
  return match ? { type: match[1] as "user" | "agent", id: match[2].toLowerCase() } : undefined;
}

/** The actor an event records for a principal: who, without the rest of the credential's facts. */
export function actorOf(principal: Pick<Principal, "type" | "id">): Actor {
  return { type: principal.type, id: principal.id };
}
