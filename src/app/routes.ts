/** Every HTTP route the server answers, by feature. */
import { agentRoutes } from "../http/routes/agents.js";
import { auditRoutes } from "../http/routes/audit.js";
import { authTokenRoutes } from "../http/routes/auth-tokens.js";
import { dashboardSessionRoutes } from "../http/routes/dashboard-session.js";
import { deviceLoginRoutes } from "../http/routes/device-login.js";
import { healthRoutes, type HealthDependencies } from "../http/routes/health.js";
import { historyRoutes } from "../http/routes/history.js";
import { reportRoutes } from "../http/routes/reports.js";
import { humanRoutes } from "../http/routes/humans.js";
import { orgMemberRoutes } from "../http/routes/org-members.js";
import { ipRuleRoutes } from "../http/routes/ip-rules.js";
import { policyRoutes } from "../http/routes/policies.js";
import { secretRoutes } from "../http/routes/secrets.js";
import { shareRoutes } from "../http/routes/shares.js";
import { vaultRoutes } from "../http/routes/vaults.js";
import type { Route } from "../http/route.js";
import type { Services } from "./services.js";

export function appRoutes(services: Services, running: Pick<HealthDependencies, "projections"> = {}): Route[] {
  return [...healthRoutes({ keys: services.keys, database: services.db, ...running }), ...ipRuleRoutes(services), ...authTokenRoutes(services), ...deviceLoginRoutes(services), ...dashboardSessionRoutes(services),
    ...agentRoutes(services), ...humanRoutes(services), ...orgMemberRoutes(services), ...vaultRoutes(services), ...secretRoutes(services), ...shareRoutes(services), ...policyRoutes(services),
    ...auditRoutes(services), ...historyRoutes(services), ...reportRoutes(services)];
}
