/**
 * The 1claw product areas Keyledger does not implement (outside the seeds: treasury, cards, the platform,
 * ...). A client calling one gets a 501 problem that says so, instead of a 404 that reads like a typo or a
 * missing id. Checked only for requests no route answered, so a route added later wins over its area here.
 */

/**
 * `{}` stands for any one path segment; an area covers its pattern and everything below it. A pattern that
 * starts with a method covers only that method, for an operation whose path Keyledger serves otherwise.
 */
export const NOT_IMPLEMENTED_AREAS: ReadonlyArray<{ area: string; patterns: readonly string[] }> = [
  { area: "treasury", patterns: ["/v1/treasury", "/v1/deposit-destinations", "/v1/internal-accounts",
    "/v1/internal-transfers", "/v1/portfolio"] },
  { area: "payment cards", patterns: ["/v1/cards", "/v1/agents/{}/cards"] },
  { area: "platform apps", patterns: ["/v1/platform"] },
  { area: "OAuth provider and OAuth connect", patterns: ["/v1/oauth", "/v1/agents/{}/oauth"] },
  { area: "risk engine", patterns: ["/v1/risk"] },
  { area: "automations", patterns: ["/v1/automations"] },
  { area: "runtimes", patterns: ["/v1/runtimes"] },
  { area: "agent memory", patterns: ["/v1/agents/{}/memory"] },
  { area: "agent chat and channels", patterns: ["/v1/agents/{}/chat", "/v1/agents/{}/channels", "/v1/webhooks/telegram",
    "/v1/webhooks/whatsapp", "/v1/webhooks/discord"] },
  { area: "agent discovery and delegation", patterns: ["/v1/agents/directory", "/v1/agents/org-directory", "/v1/agents/{}/card",
    "/v1/agents/{}/discovery", "/v1/agents/{}/delegations", "/v1/agents/{}/children"] },
  { area: "execution intents", patterns: ["/v1/agents/{}/bindings", "/v1/agents/{}/execute", "/v1/agents/{}/executions"] },
  { area: "Bankr partner keys", patterns: ["/v1/agents/{}/bankr-keys", "/v1/org/bankr-config"] },
  { area: "approvals", patterns: ["/v1/approvals", "/v1/pending-approvals", "/v1/notification-targets"] },
  { area: "webhooks", patterns: ["/v1/webhooks"] },
  // Not "/v1/admin" as a whole: the operator's billing routes live under /v1/admin/orgs/{org_id}/.
  { area: "platform administration", patterns: ["/v1/admin/chains", "/v1/admin/settings", "/v1/admin/tokens", "/v1/admin/usage",
    "/v1/admin/users", "/v1/admin/x402", "/v1/admin/orgs/{}/limits"] },
  { area: "policy engines (Cedar, OPA) and contract ABIs", patterns: ["/v1/org/cedar-policies", "/v1/org/opa-policies",
    "/v1/org/contract-abis", "/v1/org/settings/policy-backend", "/v1/org/policy-shadow-report"] },
  { area: "sub-organisations", patterns: ["/v1/org/sub-orgs"] },
  { area: "environment variables (use env_bundle secrets)", patterns: ["/v1/org/env-vars", "/v1/vaults/{}/env-vars",
    "/v1/vaults/{}/environments"] },
  { area: "credential recovery and Shamir KEK", patterns: ["/v1/auth/credential-recovery", "/v1/org/credential-recovery-policy",
    "/v1/org/shamir-kek"] },
  { area: "passkeys, devices and other sign-in methods", patterns: ["/v1/auth/passkeys", "/v1/auth/devices",
    "/v1/auth/social-login", "/v1/auth/email-otp", "/v1/auth/federated-token", "/v1/auth/settings", "/v1/auth/reauth",
    "/.well-known/openid-configuration"] },
  { area: "MPC custody", patterns: ["/v1/vaults/{}/mpc"] },
  { area: "Shroud activity ingest (Keyledger's Shroud records its calls itself; read them with GET)",
    patterns: ["POST /v1/shroud/activity"] },
];

const compiled = NOT_IMPLEMENTED_AREAS.flatMap(({ area, patterns }) => patterns.map((pattern) => {
  const [method, path] = pattern.includes(" ") ? pattern.split(" ") : [undefined, pattern];
  return { area, method, segments: path.split("/").filter(Boolean) };
}));

/**
 * The area a request belongs to, if it is one Keyledger does not implement. Without a method, only the
 * areas of whole paths; with one, only the operations of that method on paths Keyledger serves otherwise.
 */
export function notImplementedArea(path: string, method?: string): string | undefined {
  const segments = path.split("/").filter(Boolean);
  const found = compiled.find((candidate) => candidate.method === method && candidate.segments.length <= segments.length &&
    candidate.segments.every((segment, i) => segment === "{}" || segment === segments[i]));
  return found?.area;
}
