/** Every read model the server keeps. The runner feeds each from the event store's global order. */
import { agentsProjection } from "./agents.js";
import { apiKeysProjection } from "./api_keys.js";
import { auditEventsProjection } from "./audit_events.js";
import { ipRulesProjection } from "./ip_rules.js";
import { policiesProjection } from "./policies.js";
import type { Projection } from "./projection.js";
import { revokedTokensProjection } from "./revoked_tokens.js";
import { usersProjection } from "./users.js";
import { vaultsProjection } from "./vaults.js";
import { secretsProjection } from "./secrets.js";
import { accessIntervalsProjection } from "./access_intervals.js";
import { secretHistoryProjection } from "./secret_history.js";
import { secretReadsProjection } from "./secret_reads.js";
import { secretInventoryProjection } from "./secret_inventory.js";
import { dailyReadsProjection } from "./daily_reads.js";
import { sharesProjection } from "./shares.js";

export const allProjections: readonly Projection[] = [revokedTokensProjection, apiKeysProjection, ipRulesProjection,
  agentsProjection, usersProjection, vaultsProjection, secretsProjection,
  policiesProjection,
  accessIntervalsProjection, secretHistoryProjection, secretReadsProjection, secretInventoryProjection, dailyReadsProjection,
  sharesProjection,
  auditEventsProjection];
