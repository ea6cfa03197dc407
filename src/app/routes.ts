/** Every HTTP route the server answers, by feature. */
import { accountRoutes } from "../http/routes/accounts.js";
import { adminBillingRoutes } from "../http/routes/admin-billing.js";
import { agentRoutes } from "../http/routes/agents.js";
import { auditRoutes } from "../http/routes/audit.js";
import { authTokenRoutes } from "../http/routes/auth-tokens.js";
import { billingRoutes } from "../http/routes/billing.js";
import { chainRoutes } from "../http/routes/chains.js";
import { cmekRoutes } from "../http/routes/cmek.js";
import { dashboardSessionRoutes } from "../http/routes/dashboard-session.js";
import { deviceLoginRoutes } from "../http/routes/device-login.js";
import { healthRoutes, type HealthDependencies } from "../http/routes/health.js";
import { historyRoutes } from "../http/routes/history.js";
import { humanRoutes } from "../http/routes/humans.js";
import { ipRuleRoutes } from "../http/routes/ip-rules.js";
import { orgMemberRoutes } from "../http/routes/org-members.js";
import { policyRoutes } from "../http/routes/policies.js";
import { reportRoutes } from "../http/routes/reports.js";
import { routerKeyRoutes } from "../http/routes/router-keys.js";
import { secretRoutes } from "../http/routes/secrets.js";
import { shareRoutes } from "../http/routes/shares.js";
import { shroudRoutes } from "../http/routes/shroud.js";
import { transactionRoutes } from "../http/routes/transactions.js";
import { vaultRoutes } from "../http/routes/vaults.js";
import type { UsageMeter } from "../billing/usage-meter.js";
import type { CmekRotationRunner } from "../cmek/rotation.js";
import type { Route } from "../http/route.js";
import type { Intents } from "../intents/index.js";
import type { Services } from "./services.js";

/** What a running server adds to its services: the projection runner, the Intents API, the usage meter, CMEK rotations. */
export interface RunningParts extends Pick<HealthDependencies, "projections"> {
  intents?: Intents;
  usage?: UsageMeter;
  /** Runs CMEK rotation jobs (holds their keys in memory); one per server. */
  cmekRotations: CmekRotationRunner;
}

export function appRoutes(services: Services, running: RunningParts): Route[] {
  return [...healthRoutes({ keys: services.keys, database: services.db, projections: running.projections }),
    ...ipRuleRoutes(services), ...authTokenRoutes(services), ...deviceLoginRoutes(services), ...dashboardSessionRoutes(services),
    ...agentRoutes(services), ...routerKeyRoutes(services), ...humanRoutes(services), ...accountRoutes(services), ...orgMemberRoutes(services),
    ...vaultRoutes(services), ...secretRoutes(services), ...shareRoutes(services), ...policyRoutes(services),
    ...auditRoutes(services), ...historyRoutes(services), ...reportRoutes(services), ...shroudRoutes(services),
    ...(running.intents ? [...chainRoutes(running.intents.registry), ...transactionRoutes(services, running.intents)] : []),
    ...billingRoutes(services, running.usage), ...adminBillingRoutes(services, running.usage),
    ...cmekRoutes(services, running.cmekRotations),
  ];
}
