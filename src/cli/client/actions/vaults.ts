/** `vault list|create|get|delete|link|unlink`. */
import path from "node:path";
import { updateConfigFile } from "../config-file.js";
import type { Context } from "../context.js";
import { UsageError } from "../errors.js";
import { requireCredential, unwrap } from "../session.js";
import { VaultsResource } from "../../../sdk/resources/vaults.js";

const COLUMNS = [{ key: "id", header: "id" }, { key: "name", header: "name" }, { key: "description", header: "description" },
  { key: "created_at", header: "created" }, { key: "linked", header: "" }];

export async function listVaults(ctx: Context): Promise<void> {
  requireCredential(ctx.session);
  const { vaults } = await unwrap(new VaultsResource(ctx.session.http).list());
  const linked = ctx.session.config.projectLinks?.[path.resolve(process.cwd())] ?? ctx.session.config.defaultVaultId;
  ctx.out.list(vaults, vaults.map((v) => ({ ...v, linked: v.id === linked ? "(linked)" : "" })), COLUMNS);
}

export async function createVault(ctx: Context, name: string, options: { description?: string; quiet?: boolean }): Promise<void> {
  requireCredential(ctx.session);
  const vault = await unwrap(new VaultsResource(ctx.session.http).create({ name, description: options.description }));
  if (options.quiet) return ctx.out.raw(vault.id);
  if (!ctx.out.json) ctx.out.success(`vault ${vault.name} created`);
  ctx.out.record(vault, [["ID", vault.id], ["Name", vault.name], ["Description", vault.description]]);
}

export async function getVault(ctx: Context, id: string): Promise<void> {
  requireCredential(ctx.session);
  const vault = await unwrap(new VaultsResource(ctx.session.http).get(id));
  ctx.out.record(vault, [["ID", vault.id], ["Name", vault.name], ["Description", vault.description],
    ["Created", vault.created_at], ["Created by", `${vault.created_by_type}:${vault.created_by}`], ["System", vault.system || undefined]]);
}

export async function deleteVault(ctx: Context, id: string, options: { yes?: boolean }): Promise<void> {
  requireCredential(ctx.session);
  if (!options.yes) throw new UsageError("deleting a vault destroys its key and every secret in it: add --yes to confirm");
  await unwrap(new VaultsResource(ctx.session.http).delete(id));
  if (ctx.out.json) return ctx.out.printJson({ deleted: id });
  ctx.out.success(`vault ${id} deleted`);
}

/** Links the working directory (and those below it) to a vault; `--default` makes it the default everywhere. */
export async function linkVault(ctx: Context, id: string, options: { default?: boolean }): Promise<void> {
  requireCredential(ctx.session);
  const vault = await unwrap(new VaultsResource(ctx.session.http).get(id));
  const dir = path.resolve(process.cwd());
  await updateConfigFile((config) => {
    if (options.default) config.defaultVaultId = vault.id;
    else config.projectLinks = { ...config.projectLinks, [dir]: vault.id };
  });
  if (ctx.out.json) return ctx.out.printJson({ vault_id: vault.id, directory: options.default ? null : dir });
  ctx.out.success(options.default ? `default vault: ${vault.name} (${vault.id})` : `${dir} linked to vault ${vault.name} (${vault.id})`);
}

export async function unlinkVault(ctx: Context): Promise<void> {
  const dir = path.resolve(process.cwd());
  let removed: string | undefined;
  await updateConfigFile((config) => {
    removed = config.projectLinks?.[dir];
    if (config.projectLinks) delete config.projectLinks[dir];
  });
  if (ctx.out.json) return ctx.out.printJson({ directory: dir, vault_id: removed ?? null });
  if (removed) ctx.out.success(`${dir} unlinked from vault ${removed}`);
  else ctx.out.info(`${dir} was not linked to a vault`);
}
