/** Every read model the server keeps. The runner feeds each from the event store's global order. */
import { agentsProjection } from "./agents.js";
import { apiKeysProjection } from "./api_keys.js";
import { ipRulesProjection } from "./ip_rules.js";
import type { Projection } from "./projection.js";
import { revokedTokensProjection } from "./revoked_tokens.js";
import { usersProjection } from "./users.js";

export const allProjections: readonly Projection[] = [revokedTokensProjection, apiKeysProjection, ipRulesProjection,
  agentsProjection, usersProjection];
