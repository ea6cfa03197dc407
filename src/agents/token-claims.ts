/**
 * What an agent's access token says about its reach. The server never decides from these claims: every
 * request re-reads the agent's record and evaluates its live policies. They are there for clients that
 * look (1claw puts `scopes` and `vault_ids` in its tokens), so they are included while they are small and
 * left out when they would not be: a token's size is bounded whatever the number of policies, scopes or
 * vaults (an HTTP header of 16 KB is the limit every request would hit).
 */

/** Largest `scopes` or `vault_ids` claim, as JSON, in bytes. With both at the limit a token stays under 2 KB. */
export const MAX_REACH_CLAIM_BYTES = 384;

export interface AgentReach {
  scopes: readonly string[];
  vaultIds: readonly string[];
}

const fits = (value: unknown) => Buffer.byteLength(JSON.stringify(value), "utf8") <= MAX_REACH_CLAIM_BYTES;

/**
 * `scopes` and `vault_ids` when they fit; a claim too large is left out and `reach_on_server: true` says
 * so (the exchange response still lists every vault id). An empty `scopes` still means no access at all.
 */
export function reachClaims(reach: AgentReach): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  if (fits(reach.scopes)) claims.scopes = reach.scopes;
  if (fits(reach.vaultIds)) claims.vault_ids = reach.vaultIds;
  if (!("scopes" in claims) || !("vault_ids" in claims)) claims.reach_on_server = true;
  return claims;
}
