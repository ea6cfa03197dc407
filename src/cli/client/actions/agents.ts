/** `agent create|list|get|update|delete|rotate-key|token`. A new key is printed once, on stdout, and said so. */
import type { Context } from "../context.js";
import { UsageError } from "../errors.js";
import { requireCredential, unwrap } from "../session.js";
import { AgentsResource } from "../../../sdk/resources/agents.js";

export interface AgentSettingsOptions {
  description?: string;
  scopes?: string;
  vaultIds?: string;
  tokenTtl?: string;
  expires?: string;
  active?: string;
}

const list = (text: string | undefined) => text === undefined ? undefined : text.split(",").map((s) => s.trim()).filter(Boolean);

function settings(options: AgentSettingsOptions) {
  const ttl = options.tokenTtl === undefined ? undefined : Number(options.tokenTtl);
  if (ttl !== undefined && !Number.isInteger(ttl)) throw new UsageError("--token-ttl takes whole seconds");
  if (options.active !== undefined && !["true", "false"].includes(options.active)) throw new UsageError("--active is true or false");
  return {
    ...(options.description !== undefined && { description: options.description }),
    ...(options.scopes !== undefined && { scopes: list(options.scopes) }),
    ...(options.vaultIds !== undefined && { vault_ids: list(options.vaultIds) }),
    ...(ttl !== undefined && { token_ttl_seconds: ttl }),
    ...(options.expires !== undefined && { expires_at: options.expires }),
    ...(options.active !== undefined && { is_active: options.active === "true" }),
  };
}

type Agent = { id: string; name: string; scopes: string[]; vault_ids?: string[]; is_active: boolean; created_at: string; description?: string | null };
const fields = (a: Agent): [string, unknown][] => [["ID", a.id], ["Name", a.name], ["Description", a.description],
  ["Scopes", a.scopes], ["Vaults", a.vault_ids], ["Active", a.is_active], ["Created", a.created_at]];

function printKey(ctx: Context, apiKey: string, what: string): void {
  ctx.out.warn(`${what}: this is the only time the key is shown. Store it now (e.g. in the agent's secret store).`);
  ctx.out.raw(apiKey);
}

export async function createAgent(ctx: Context, name: string, options: AgentSettingsOptions): Promise<void> {
  requireCredential(ctx.session);
  const created = await unwrap(new AgentsResource(ctx.session.http).create({ name, ...settings(options) }));
  if (ctx.out.json) return ctx.out.printJson(created);
  ctx.out.success(`agent ${created.agent.name} created (${created.agent.id})`);
  printKey(ctx, created.api_key, "agent API key");
}

export async function listAgents(ctx: Context): Promise<void> {
  requireCredential(ctx.session);
  const { agents } = await unwrap(new AgentsResource(ctx.session.http).list());
  ctx.out.list(agents, agents.map((a) => ({ ...a, active: a.is_active ? "yes" : "no" })), [
    { key: "id", header: "id" }, { key: "name", header: "name" }, { key: "scopes", header: "scopes" },
    { key: "active", header: "active" }, { key: "created_at", header: "created" }]);
}

export async function getAgent(ctx: Context, id: string): Promise<void> {
  requireCredential(ctx.session);
  const agent = await unwrap(new AgentsResource(ctx.session.http).get(id));
  ctx.out.record(agent, fields(agent));
}

export async function updateAgent(ctx: Context, id: string, options: AgentSettingsOptions & { name?: string }): Promise<void> {
  requireCredential(ctx.session);
  const changes = { ...settings(options), ...(options.name !== undefined && { name: options.name }) };
  if (Object.keys(changes).length === 0) throw new UsageError("nothing to change: give at least one option");
  const agent = await unwrap(new AgentsResource(ctx.session.http).update(id, changes));
  if (!ctx.out.json) ctx.out.success(`agent ${agent.name} updated`);
  ctx.out.record(agent, fields(agent));
}

export async function deleteAgent(ctx: Context, id: string, options: { yes?: boolean }): Promise<void> {
  requireCredential(ctx.session);
  if (!options.yes) throw new UsageError("add --yes to delete the agent (its key stops working)");
  await unwrap(new AgentsResource(ctx.session.http).delete(id));
  if (ctx.out.json) return ctx.out.printJson({ deleted: id });
  ctx.out.success(`agent ${id} deleted`);
}

export async function rotateAgentKey(ctx: Context, id: string): Promise<void> {
  requireCredential(ctx.session);
  const rotated = await unwrap(new AgentsResource(ctx.session.http).rotateKey(id));
  if (ctx.out.json) return ctx.out.printJson(rotated);
  ctx.out.success("the old key no longer works");
  printKey(ctx, rotated.api_key, "new agent API key");
}

export async function agentToken(ctx: Context, id: string, options: { quiet?: boolean }): Promise<void> {
  requireCredential(ctx.session);
  const minted = await unwrap(new AgentsResource(ctx.session.http).mintToken(id));
  if (options.quiet) return ctx.out.raw(minted.token);
  ctx.out.record(minted, [["Agent", minted.agent_id], ["Expires in", `${minted.expires_in} s`], ["Token", minted.token]]);
}
