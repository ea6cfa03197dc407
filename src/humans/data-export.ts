/**
 * `POST /v1/auth/export-data` (GDPR access): the caller's own data, as 1claw shapes it. What is "own": the
 * user's profile, the vaults and agents they created, the metadata of the secrets in those vaults (never a
 * value), and the policies on those vaults or naming the user. Read from the read models; nothing decrypted.
 */
import type { Services } from "../app/services.js";
import { listAgentViews } from "../agents/queries.js";
import { listVaultPolicies, principalVaultPolicies, type PolicyRecord } from "../access/policies.js";
import { listVaultSecrets } from "../secrets/queries.js";
import { listOrgVaults } from "../vaults/queries.js";
import type { UserProfile } from "./queries.js";

export const EXPORT_VERSION = "1";

export interface AccountExport {
  export_version: string;
  exported_at: string;
  user: { id: string; email: string; display_name: string; auth_method: string; created_at: string };
  vaults: { id: string; name: string; created_at: string }[];
  agents: { id: string; name: string; created_at: string }[];
  secrets_metadata: { vault_id: string; path: string; type: string; version: number; created_at: string }[];
  policies: { id: string; vault_id: string; principal_type: string; principal_id: string; secret_path_pattern: string;
    permissions: string[]; created_at: string }[];
}

export async function exportAccountData(services: Pick<Services, "db" | "clock">, user: UserProfile): Promise<AccountExport> {
  const { db } = services;
  const orgVaults = (await listOrgVaults(db, user.orgId)).filter((vault) => !vault.deletedAt);
  // The `__agent-keys` vault is the organisation's, whoever's action happened to create it.
  const own = orgVaults.filter((vault) => !vault.system && vault.createdBy.type === "user" && vault.createdBy.id === user.id);
  const agents = (await listAgentViews(db, user.orgId)).filter((agent) => agent.createdBy === user.id);
  const secrets = (await Promise.all(own.map(async (vault) =>
    (await listVaultSecrets(db, vault.id)).map((secret) => ({ vault_id: vault.id, path: secret.path, type: secret.type,
      version: secret.version, created_at: secret.createdAt.toISOString() }))))).flat();
  const onOwn = (await Promise.all(own.map((vault) => listVaultPolicies(db, vault.id)))).flat();
  const naming = (await Promise.all(orgVaults.map((vault) => principalVaultPolicies(db, vault.id, { type: "user", id: user.id })))).flat();
  const policies = new Map<string, PolicyRecord>([...onOwn, ...naming].map((policy) => [policy.id, policy]));
  return {
    export_version: EXPORT_VERSION,
    exported_at: services.clock().toISOString(),
    user: { id: user.id, email: user.email, display_name: user.displayName, auth_method: user.authMethod,
      created_at: user.createdAt.toISOString() },
    vaults: own.map((vault) => ({ id: vault.id, name: vault.name, created_at: vault.createdAt.toISOString() })),
    agents: agents.map((agent) => ({ id: agent.id, name: agent.name, created_at: agent.createdAt.toISOString() })),
    secrets_metadata: secrets,
    policies: [...policies.values()].map((policy) => ({ id: policy.id, vault_id: policy.vaultId,
      principal_type: policy.principal.type, principal_id: policy.principal.id, secret_path_pattern: policy.pattern,
      permissions: policy.permissions, created_at: policy.createdAt.toISOString() })),
  };
}
