/**
 * Revoking access tokens. The revocation is an event in the token's stream; the `revoked_tokens` read
 * model, in the shared database, is what every node checks.
 */
import { accessTokenAggregate } from "../../commands/access-token.js";
import { Invalid } from "../../commands/errors.js";
import type { Services } from "../app/services.js";
import type { Queryable } from "../db/database.js";
import type { EventMetadata } from "../eventstore/port.js";
import type { Principal } from "./principal.js";

export async function isTokenRevoked(db: Queryable, tokenId: string): Promise<boolean> {
  const { rows } = await db.query(`select 1 from revoked_tokens where token_id = $1`, [tokenId]);
  return rows.length > 0;
}

/** The principal authenticated with an API key: there is no token to revoke. */
export class NoTokenToRevoke extends Invalid {
  constructor() {
    super("this request was authenticated with an API key, not a token: revoke the key instead");
    this.name = "NoTokenToRevoke";
  }
}

/** Revokes the token the principal authenticated with; idempotent. */
export async function revokeCurrentToken(
  services: Pick<Services, "bus">, principal: Principal, metadata: EventMetadata,
): Promise<void> {
  if (!principal.tokenId || !principal.tokenExpiresAt) throw new NoTokenToRevoke();
  await services.bus.handle(accessTokenAggregate, principal.tokenId, {
    type: "RevokeAccessToken",
    tokenId: principal.tokenId,
    subjectType: principal.type,
    subjectId: principal.id,
    orgId: principal.orgId,
    expiresAt: principal.tokenExpiresAt,
  }, { metadata });
}
