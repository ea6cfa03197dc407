/**
 * The one way access tokens are handed out: sign through the token service, then record the issuance as an
 * event in the token's own stream (never the token itself). Login, API-key and agent-key exchanges all
 * come through here, so every token in circulation can be audited and revoked.
 */
import { accessTokenAggregate } from "../../commands/access-token.js";
import type { Services } from "../app/services.js";
import { type EventMetadata } from "../eventstore/port.js";
import { subjectOf } from "./principal.js";
import type { IssuedToken } from "./tokens.js";

export interface TokenSubjectRef {
  type: "user" | "agent";
  id: string;
  orgId: string;
}

/** Lifetime of human users' access tokens (login, API-key exchange). */
export const USER_TOKEN_TTL_SECONDS = 3600;


/**
 * Signs a token for the subject (`sub` = "user:<id>"/"agent:<id>", `org` = its organisation, plus claims)
 * valid for ttlSeconds, and records `AccessTokenIssued`. `claims.method`, when a string, says how the
 * subject proved itself; it is recorded, not put in the token.
 */
export async function issueAccessToken(
  services: Pick<Services, "tokens" | "bus">,
  subject: TokenSubjectRef,
  claims: Record<string, unknown>,
  ttlSeconds: number,
  metadata: EventMetadata,
): Promise<IssuedToken> {
  const { method, sub: _sub, org: _org, ...rest } = claims;
  const issued = await services.tokens.issue({ ...rest, sub: subjectOf(subject), org: subject.orgId }, ttlSeconds);
  await services.bus.handle(accessTokenAggregate, issued.tokenId, {
    type: "IssueAccessToken",
    tokenId: issued.tokenId,
    subjectType: subject.type,
    subjectId: subject.id,
    orgId: subject.orgId,
    expiresAt: issued.expiresAt,
    method: typeof method === "string" ? method : undefined,
  }, {
    metadata: { actor: { type: subject.type, id: subject.id }, org_id: subject.orgId, ...metadata },
    // No read model needs the issuance before the token is used: revocation needs only the token id.
    readYourWrites: false,
  });
  return issued;
}
