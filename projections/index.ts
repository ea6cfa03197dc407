/** Every read model the server keeps. The runner feeds each from the event store's global order. */
import { agentsProjection } from "./agents.js";
import { apiKeysProjection } from "./api-keys.js";
import { auditEventsProjection } from "./audit-events.js";
import { invitationsProjection } from "./invitations.js";
import { ipRulesProjection } from "./ip-rules.js";
import { policiesProjection } from "./policies.js";
import type { Projection } from "./projection.js";
import { revokedTokensProjection } from "./revoked-tokens.js";
import { routerKeysProjection } from "./router-keys.js";
import { usersProjection } from "./users.js";
import { vaultsProjection } from "./vaults.js";
import { secretsProjection } from "./secrets.js";
import { accessIntervalsProjection } from "./access-intervals.js";
import { secretHistoryProjection } from "./secret-history.js";
import { secretReadsProjection } from "./secret-reads.js";
import { secretInventoryProjection } from "./secret-inventory.js";
import { dailyReadsProjection } from "./daily-reads.js";
import { sharesProjection } from "./shares.js";
import { transactionsProjection } from "./transactions.js";
import { shroudCallsProjection } from "./shroud-calls.js";
import { billingAccountsProjection } from "./billing-accounts.js";
import { usageProjection } from "./usage.js";
import { resourceSlotsProjection } from "./resource-slots.js";
import { cmekRotationJobsProjection } from "./cmek-rotation-jobs.js";

export const allProjections: readonly Projection[] = [revokedTokensProjection, apiKeysProjection, ipRulesProjection,
  agentsProjection, routerKeysProjection, usersProjection, invitationsProjection, vaultsProjection, secretsProjection,
  policiesProjection,
  accessIntervalsProjection, secretHistoryProjection, secretReadsProjection, secretInventoryProjection, dailyReadsProjection,
  sharesProjection, transactionsProjection, shroudCallsProjection,
  billingAccountsProjection, usageProjection, resourceSlotsProjection,
  cmekRotationJobsProjection,
  auditEventsProjection];
