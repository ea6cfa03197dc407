/**
 * Who is calling Shroud: the credential of `X-Shroud-Agent-Key` (else `Authorization: Bearer`) in one of
 * 1claw's forms: `agent_id:ocv_…`, a bare `ocv_…` key, an agent JWT, or a router key `sk-shroud-v1-…`.
 * The first three are checked by the API's own authenticator (the same lookups, revocation and IP rules as
 * any API call); a router key, which the API does not accept, is looked up here, then its agent and the
 * organisation's IP rules are checked alike. Only agents whose `shroud_enabled` is set pass.
 */
import { Forbidden, PaymentRequired, Unauthenticated } from "../../commands/errors.js";
import { findAgentById, type AgentRecord } from "../agents/queries.js";
import { findLiveRouterKey, ROUTER_KEY_PREFIX, type RouterKeyRecord } from "../agents/router-keys.js";
import { AddressNotAllowed, agentPrincipal } from "../auth/authenticator.js";
import type { AgentPrincipal } from "../auth/principal.js";
import type { Queryable } from "../db/database.js";
import { ipAccessAllowed } from "../ip-rules/service.js";
import type { Authenticate } from "../http/auth.js";

class ShroudUnauthenticated extends Unauthenticated {
  constructor(message: string) {
    super(message);
    this.name = "ShroudUnauthenticated";
  }
}

export class NotShroudAgent extends Forbidden {
  constructor(reason: string) {
    super(reason);
    this.name = "NotShroudAgent";
  }
}

/**
 * `Authorization: Bearer x402` asks for the pay-per-use rail. 1claw answers with a 402 challenge; this Shroud has
 * no rail (no wallet-keyed prepaid ledger to credit), so its 402 offers no way to pay (`accepts: []`), which
 * x402 clients read as "cannot pay here", and says what to use instead.
 */
export class X402RailNotOffered extends PaymentRequired {
  constructor() {
    super("the x402 pay-per-use rail is not offered by this Shroud: authenticate as a Shroud agent (agent_id:ocv_…, an ocv_ key, an agent JWT or a router key)");
    this.name = "X402RailNotOffered";
    this.extensions = { x402Version: 1, accepts: [] };
  }
}

export interface ShroudCaller {
  principal: AgentPrincipal;
  agent: AgentRecord;
  /** The router key the call came with: its own limits apply too. */
  routerKey?: RouterKeyRecord;
}

interface Lookup {
  db: Queryable;
  clock: () => Date;
}

function checkShroudAgent(agent: AgentRecord | undefined): AgentRecord {
  if (!agent || !agent.active) throw new ShroudUnauthenticated("invalid agent credentials");
  if (!agent.shroudEnabled) throw new NotShroudAgent("agent is not enabled for Shroud (shroud_enabled is false)");
  return agent;
}

async function fromRouterKey(lookup: Lookup, credential: string, ip: string): Promise<ShroudCaller> {
  const routerKey = await findLiveRouterKey(lookup.db, credential);
  if (!routerKey) throw new ShroudUnauthenticated("invalid or revoked router key");
  const found = await findAgentById(lookup.db, routerKey.agentId, lookup.clock());
  const agent = checkShroudAgent(found?.orgId === routerKey.orgId ? found : undefined);
  if (!(await ipAccessAllowed(lookup.db, agent.orgId, ip))) throw new AddressNotAllowed();
  return { principal: agentPrincipal(agent, { credential: "api_key" }), agent, routerKey };
}

export async function authenticateShroudCaller(
  authenticate: Authenticate, lookup: Lookup,
  request: { headers: Record<string, string | string[] | undefined>; ip: string; requestId: string },
): Promise<ShroudCaller> {
  const header = request.headers["x-shroud-agent-key"];
  const fromHeader = typeof header === "string" ? header.trim() : undefined;
  const bearer = /^Bearer[ \t]+(\S+)\s*$/i.exec(String(request.headers.authorization ?? ""))?.[1];
  const credential = fromHeader || bearer;
  if (!credential) throw new ShroudUnauthenticated("missing X-Shroud-Agent-Key header");
  if (credential.toLowerCase() === "x402") throw new X402RailNotOffered();
  if (credential.startsWith(ROUTER_KEY_PREFIX)) return fromRouterKey(lookup, credential, request.ip);

  let agentId: string | undefined;
  let token = credential;
  if (credential.includes(":")) {
    const parts = credential.split(":");
    if (parts.length !== 2 || !parts[0] || !parts[1]) throw new ShroudUnauthenticated("invalid agent key format: expected 'agent_id:api_key'");
    [agentId, token] = [parts[0].toLowerCase(), parts[1]];
  } else if (!token.startsWith("ocv_") && !token.startsWith("eyJ")) {
    throw new ShroudUnauthenticated("invalid agent key format: expected 'agent_id:api_key'");
  }
  const principal = await authenticate({ headers: { authorization: `Bearer ${token}` }, ip: request.ip, requestId: request.requestId });
  if (!principal) throw new ShroudUnauthenticated("invalid agent credentials");
  if (principal.type !== "agent") throw new NotShroudAgent("only agents call Shroud");
  if (agentId !== undefined && agentId !== principal.id) throw new ShroudUnauthenticated("invalid agent credentials");
  const agent = checkShroudAgent(await findAgentById(lookup.db, principal.id, lookup.clock()));
  return { principal, agent };
}
