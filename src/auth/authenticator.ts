/**
 * Who is calling: `Authorization: Bearer <credential>`, where the credential is one of our JWTs, a personal
 * API key (`1ck_`) or an agent API key (`ocv_`). Whatever the credential, the subject is looked up in the
 * read models on every request, so a deleted user, a deactivated agent or a revoked token stops working at
 * once on every node. Then the organisation's IP rules apply (403).
 *
 * Every refusal is the same 401 to the caller; the reason goes to the debug log, never the credential.
 */
import { Forbidden } from "../../commands/errors.js";
import { findAgentByApiKey, findAgentById, type AgentRecord } from "../agents/queries.js";
import type { Services } from "../app/services.js";
import type { Authenticate } from "../http/auth.js";
import { findUserById, type UserRecord } from "../humans/queries.js";
import { ipAccessAllowed } from "../ip-rules/service.js";
import { findActiveApiKey, USER_API_KEY_PREFIX } from "./api-keys.js";
import { parseSubject, type AgentPrincipal, type Principal, type UserPrincipal } from "./principal.js";
import { isTokenRevoked } from "./revocation.js";
import { InvalidToken } from "./tokens.js";

const AGENT_API_KEY_PREFIX = "ocv_";

type TokenFacts = Pick<Principal, "credential" | "tokenId" | "tokenExpiresAt">;

function userPrincipal(user: UserRecord, facts: TokenFacts): UserPrincipal {
  return { type: "user", id: user.id, orgId: user.orgId, email: user.email, role: user.role, ...facts };
}

export function agentPrincipal(agent: AgentRecord, facts: TokenFacts): AgentPrincipal {
  // The agent's current record, not the token's claims: narrowing an agent's scopes or vaults takes effect
  // on its tokens already in circulation.
  return {
    type: "agent", id: agent.id, orgId: agent.orgId, scopes: agent.scopes, vaultIds: agent.vaultIds,
    intentsApiEnabled: agent.intentsApiEnabled, ...facts,
  };
}

/** The credential of `Authorization: Bearer <credential>`, if the header has that shape. */
function bearerCredential(header: string | undefined): string | undefined {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? "");
  return match?.[1];
}

/** The organisation's IP rules refuse the caller's address. */
export class AddressNotAllowed extends Forbidden {
  constructor() { super("requests from your address are not allowed by your organisation's IP rules"); this.name = "AddressNotAllowed"; }
}

export function createAuthenticator(services: Pick<Services, "db" | "lookups" | "tokens" | "clock" | "logger">): Authenticate {
  const { tokens, clock } = services;
  const db = services.lookups ?? services.db;
  const logger = services.logger.child({ component: "auth" });

  async function fromJwt(token: string): Promise<Principal | string> {
    let verified;
    try {
      verified = await tokens.verify(token);
    } catch (error) {
      if (error instanceof InvalidToken) return error.message;
      throw error;
    }
    const subject = parseSubject(verified.claims.sub);
    if (!subject) return "token subject is malformed";
    const facts: TokenFacts = { credential: "jwt", tokenId: verified.tokenId, tokenExpiresAt: verified.expiresAt };
    const lookup = subject.type === "user"
      ? findUserById(db, subject.id).then((user) => (user?.active ? userPrincipal(user, facts) : undefined))
      : findAgentById(db, subject.id, clock()).then((agent) => (agent?.active ? agentPrincipal(agent, facts) : undefined));
    const [revoked, principal] = await Promise.all([isTokenRevoked(db, verified.tokenId), lookup]);
    if (revoked) return "token was revoked";
    if (!principal) return `token subject ${subject.type} ${subject.id} is absent or inactive`;
    if (principal.orgId !== verified.claims.org) return "token organisation no longer matches its subject";
    return principal;
  }

  async function fromUserApiKey(key: string): Promise<Principal | string> {
    const apiKey = await findActiveApiKey(db, key, clock());
    if (!apiKey) return "unknown, revoked or expired personal API key";
    const user = await findUserById(db, apiKey.userId);
    if (!user || !user.active) return `API key owner ${apiKey.userId} is absent or inactive`;
    return userPrincipal(user, { credential: "api_key" });
  }

  async function fromAgentApiKey(key: string): Promise<Principal | string> {
    const agent = await findAgentByApiKey(db, key, clock());
    if (!agent || !agent.active) return "unknown key or inactive agent";
    return agentPrincipal(agent, { credential: "api_key" });
  }

  return async (request) => {
    const credential = bearerCredential(request.headers.authorization);
    if (!credential) return undefined;
    const outcome = credential.startsWith(USER_API_KEY_PREFIX) ? await fromUserApiKey(credential)
      : credential.startsWith(AGENT_API_KEY_PREFIX) ? await fromAgentApiKey(credential)
      : await fromJwt(credential);
    if (typeof outcome === "string") {
      logger.debug({ request_id: request.requestId, reason: outcome }, "authentication refused");
      return undefined;
    }
    if (!(await ipAccessAllowed(db, outcome.orgId, request.ip))) {
      throw new AddressNotAllowed();
    }
    return outcome;
  };
}
