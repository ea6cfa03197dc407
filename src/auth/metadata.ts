/** Event metadata for a command made by an HTTP request: who (when known), from where, which request. */
import type { EventMetadata } from "../eventstore/port.js";
import type { RequestInfo } from "../http/route.js";
import type { Principal } from "./principal.js";

export function requestMetadata(request: RequestInfo, principal?: Principal): EventMetadata {
  return {
    ...(principal && { actor: { type: principal.type, id: principal.id }, org_id: principal.orgId }),
    request_id: request.id,
    client_ip: request.ip,
    ...(request.userAgent && { user_agent: request.userAgent }),
  };
}
