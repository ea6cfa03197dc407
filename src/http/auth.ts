/**
 * The authentication hook's contract. The HTTP layer only asks "who is this?"; the answer comes from the
 * auth module plugged in by the app (JWTs, `1ck_`/`ocv_` API keys, ...).
 */
import type { IncomingHttpHeaders } from "node:http";

import type { Principal } from "../auth/principal.js";

export type { Principal };

/** The parts of a request an authenticator may look at. */
export interface AuthRequest {
  headers: IncomingHttpHeaders;
  ip: string;
  requestId: string;
}

/** Answers the caller, or undefined when the request carries no acceptable credentials (-> 401). */
export type Authenticate = (request: AuthRequest) => Promise<Principal | undefined> | Principal | undefined;
