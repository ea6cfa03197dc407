/**
 * One walk through every tool, with valid and invalid arguments, for any transport: the same MCP SDK
 * `Client`, over stdio or streamable HTTP, against the real server.
 */
import { expect } from "chai";
import { randomUUID } from "node:crypto";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { TOOL_NAMES } from "../../src/mcp/tools.js";

export interface ToolCall { name: string; text: string; isError: boolean }

export interface ToolWalk {
  calls: ToolCall[];
  /** Every value stored or read during the walk. */
  values: string[];
}

export async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<ToolCall> {
  const result = await client.callTool({ name, arguments: args });
  const content = result.content as Array<{ type: string; text?: string }>;
  return { name, text: content.map((c) => c.text ?? "").join("\n"), isError: result.isError === true };
}

/** The agent may read and write `<prefix>/**` of its vault; `deniedPath` exists there but outside its policy. */
export async function walkEveryTool(client: Client, options: { vaultId: string; deniedPath: string; otherAgentId: string; prefix: string }): Promise<ToolWalk> {
  const at = (name: string) => `${options.prefix}/${name}`;
  const calls: ToolCall[] = [];
  const values: string[] = [];
  const run = async (name: string, args: Record<string, unknown> = {}) => {
    const outcome = await call(client, name, args);
    calls.push(outcome);
    return outcome;
  };
  const ok = async (name: string, args: Record<string, unknown> = {}) => {
    const outcome = await run(name, args);
    expect(outcome.isError, `${name}: ${outcome.text}`).to.equal(false);
    return outcome;
  };
  const refused = async (name: string, args: Record<string, unknown>, says: RegExp) => {
    const outcome = await run(name, args);
    expect(outcome.isError, `${name} should fail: ${outcome.text}`).to.equal(true);
    expect(outcome.text).to.match(says);
    return outcome;
  };
  const fresh = (label: string) => {
    const value = `${label}-${randomUUID()}`;
    values.push(value);
    return value;
  };

  const tools = (await client.listTools()).tools;
  expect(tools.map((t) => t.name).sort()).to.deep.equal([...TOOL_NAMES].sort());
  expect(tools.find((t) => t.name === "get_secret")?.description).to.match(/immediately before/);
  expect(tools.find((t) => t.name === "put_secret")?.inputSchema.required).to.have.members(["path", "value"]);

  // put_secret
  const first = fresh("first");
  const stored = await ok("put_secret", { path: at("stripe"), value: first, type: "api_key", metadata: { team: "pay" } });
  expect(stored.text).to.include(at("stripe")).and.include("version 1");
  await refused("put_secret", { path: at("stripe") }, /value/);
  await refused("put_secret", { path: at("x"), value: "v", type: "banana" }, /type/);
  await refused("put_secret", { path: "elsewhere/x", value: fresh("denied") }, /Access denied.*policy/s);

  // list_secrets
  const listed = await ok("list_secrets");
  expect(listed.text).to.include(at("stripe")).and.include(options.vaultId);
  expect(JSON.parse(listed.text).secrets[0]).to.include.keys("path", "type", "version");
  expect((await ok("list_secrets", { prefix: `${options.prefix}/` })).text).to.include(at("stripe"));
  expect(JSON.parse((await ok("list_secrets", { prefix: "nothing/" })).text).secrets).to.deep.equal([]);
  await refused("list_secrets", { prefix: 42 }, /prefix/);

  // describe_secret
  const described = JSON.parse((await ok("describe_secret", { path: at("stripe") })).text);
  expect(described).to.include({ path: at("stripe"), type: "api_key", version: 1 });
  expect(described).to.not.have.property("value");
  await refused("describe_secret", {}, /path/);
  await refused("describe_secret", { path: at("none") }, /Not found.*list_secrets/s);

  // get_secret
  const read = JSON.parse((await ok("get_secret", { path: at("stripe") })).text);
  expect(read).to.deep.equal({ path: at("stripe"), type: "api_key", version: 1, value: first });
  await refused("get_secret", { path: 7 }, /path/);
  await refused("get_secret", { path: at("none") }, /Not found.*list_secrets/s);
  await refused("get_secret", { path: options.deniedPath }, /Access denied.*ask your human.*policy/is);

  // rotate_and_store
  const second = fresh("second");
  const rotated = await ok("rotate_and_store", { path: at("stripe"), value: second });
  expect(rotated.text).to.match(/New version: 2/);
  expect(JSON.parse((await ok("get_secret", { path: at("stripe") })).text).value).to.equal(second);
  await refused("rotate_and_store", { path: at("stripe") }, /value/);
  await refused("rotate_and_store", { path: at("none"), value: fresh("nowhere") }, /Not found/);

  // get_env_bundle
  const token = fresh("tok");
  await ok("put_secret", { path: at("env"), type: "env_bundle", value: `# prod\nDB_HOST=db.internal\nAPI_TOKEN="${token}"\n` });
  expect(JSON.parse((await ok("get_env_bundle", { path: at("env") })).text)).to.deep.equal({ DB_HOST: "db.internal", API_TOKEN: token });
  await refused("get_env_bundle", { path: at("stripe") }, /not an env_bundle.*get_secret/);
  await refused("get_env_bundle", { path: [at("env")] }, /path/);

  // 410: reads used up
  await ok("put_secret", { path: at("once"), value: fresh("once"), max_access_count: 1 });
  await ok("get_secret", { path: at("once") });
  await refused("get_secret", { path: at("once") }, /Gone.*new version/s);

  // delete_secret
  expect((await ok("delete_secret", { path: at("once") })).text).to.include(`Deleted ${at("once")}`);
  await refused("delete_secret", { path: "" }, /path/);
  await refused("delete_secret", { path: at("never") }, /Not found/);

  // create_vault, list_vaults
  const name = `agent-made-${randomUUID().slice(0, 8)}`;
  const created = JSON.parse((await ok("create_vault", { name, description: "made by the agent" })).text);
  expect(created).to.include({ name, description: "made by the agent" });
  await refused("create_vault", { name: "" }, /name/);
  await refused("create_vault", { name }, /Conflict/);
  // The agent is bound to one vault: it sees that one, not the vault it just made.
  const vaults = JSON.parse((await ok("list_vaults")).text).vaults.map((v: { id: string }) => v.id);
  expect(vaults).to.deep.equal([options.vaultId]);
  await refused("list_vaults", { bogus: 1 }, /bogus|[Uu]nrecognized/);

  // grant_access: agents may not manage policies; the message says whom to ask
  await refused("grant_access", { vault_id: options.vaultId, principal_type: "agent", principal_id: options.otherAgentId },
    /Access denied.*ask your human/is);
  await refused("grant_access", { vault_id: "not-a-uuid", principal_type: "agent", principal_id: options.otherAgentId }, /vault_id/);
  await refused("grant_access", { vault_id: options.vaultId, principal_type: "robot", principal_id: options.otherAgentId },
    /principal_type/);

  // share_secret
  const secretId = described.id as string;
  const expires_at = new Date(Date.now() + 86_400_000).toISOString();
  const shared = JSON.parse((await ok("share_secret", { secret_id: secretId, recipient_type: "creator", expires_at })).text);
  expect(shared).to.include({ recipient_type: "creator", max_access_count: 5 });
  expect(shared.share_id).to.be.a("string");
  await refused("share_secret", { secret_id: secretId, recipient_type: "creator" }, /expires_at/);
  await refused("share_secret", { secret_id: secretId, recipient_type: "user", expires_at }, /recipient_id is required/);
  await refused("share_secret", { secret_id: randomUUID(), recipient_type: "anyone_with_link", expires_at }, /Not found/);

  return { calls, values };
}

/** No tool output but get_secret's and get_env_bundle's holds a value, and list/describe never do. */
export function expectNoValueOutsideReads(walk: ToolWalk): void {
  const others = walk.calls.filter((c) => c.name !== "get_secret" && c.name !== "get_env_bundle");
  expect(walk.calls.filter((c) => c.name === "list_secrets" || c.name === "describe_secret")).to.have.length.greaterThan(5);
  for (const outcome of others) {
    for (const value of walk.values) expect(outcome.text, `${outcome.name} answered a value`).to.not.include(value);
  }
}
