/** `policy create|list|update|delete`: who (a user or an agent) may read or write which paths of a vault. */
import type { Context } from "../context.js";
import { UsageError } from "../errors.js";
import { requireCredential, resolveVault, unwrap } from "../session.js";
import { AccessResource } from "../../../sdk/resources/access.js";

type Permission = "read" | "write";

function permissions(text: string): Permission[] {
  const list = text.split(",").map((p) => p.trim());
  if (list.length === 0 || !list.every((p) => p === "read" || p === "write")) throw new UsageError("--permissions is read, write or read,write");
  return list as Permission[];
}

type Policy = { id: string; secret_path_pattern: string; principal_type: string; principal_id: string; permissions: string[]; expires_at?: string };
const fields = (p: Policy): [string, unknown][] => [["ID", p.id], ["Principal", `${p.principal_type}:${p.principal_id}`],
  ["Path", p.secret_path_pattern], ["Permissions", p.permissions], ["Expires", p.expires_at]];

export interface PolicyCreateOptions {
  vault?: string;
  principalType: string;
  principalId: string;
  path?: string;
  permissions: string;
  expires?: string;
}

export async function createPolicy(ctx: Context, options: PolicyCreateOptions): Promise<void> {
  requireCredential(ctx.session);
  const vaultId = resolveVault(ctx.session, options.vault);
  if (options.principalType !== "user" && options.principalType !== "agent") throw new UsageError("--principal-type is user or agent");
  const access = new AccessResource(ctx.session.http);
  const grant = options.principalType === "agent" ? access.grantAgent.bind(access) : access.grantHuman.bind(access);
  const policy = await unwrap(grant(vaultId, options.principalId, permissions(options.permissions),
    { path: options.path, ...(options.expires && { expires_at: options.expires }) }));
  if (!ctx.out.json) ctx.out.success(`policy ${policy.id} created`);
  ctx.out.record(policy, fields(policy));
}

export async function listPolicies(ctx: Context, options: { vault?: string }): Promise<void> {
  requireCredential(ctx.session);
  const { policies } = await unwrap(new AccessResource(ctx.session.http).listGrants(resolveVault(ctx.session, options.vault)));
  ctx.out.list(policies, policies.map((p) => ({ ...p, principal: `${p.principal_type}:${p.principal_id}` })), [
    { key: "id", header: "id" }, { key: "principal", header: "principal" }, { key: "secret_path_pattern", header: "path" },
    { key: "permissions", header: "permissions" }, { key: "expires_at", header: "expires" }]);
}

export async function updatePolicy(ctx: Context, id: string, options: { vault?: string; permissions?: string; expires?: string }): Promise<void> {
  requireCredential(ctx.session);
  if (!options.permissions && options.expires === undefined) throw new UsageError("nothing to change: give --permissions or --expires");
  const policy = await unwrap(new AccessResource(ctx.session.http).update(resolveVault(ctx.session, options.vault), id, {
    ...(options.permissions && { permissions: permissions(options.permissions) }),
    ...(options.expires !== undefined && { expires_at: options.expires === "never" ? null : options.expires }),
  }));
  if (!ctx.out.json) ctx.out.success(`policy ${policy.id} updated`);
  ctx.out.record(policy, fields(policy));
}

export async function deletePolicy(ctx: Context, id: string, options: { vault?: string; yes?: boolean }): Promise<void> {
  requireCredential(ctx.session);
  if (!options.yes) throw new UsageError("add --yes to delete the policy");
  await unwrap(new AccessResource(ctx.session.http).revoke(resolveVault(ctx.session, options.vault), id));
  if (ctx.out.json) return ctx.out.printJson({ deleted: id });
  ctx.out.success(`policy ${id} deleted`);
}
