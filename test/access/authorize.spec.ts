/**
 * authorize, readablePathFilter and visibleVaultIds against the real read models of a running server:
 * vault existence and organisation (404), the creator's bypass, agent binding, the deciding policy's id,
 * and refusals recorded in the event store.
 */
import { expect } from "chai";
import { randomUUID } from "node:crypto";
import { VaultNotFound } from "../../commands/vault.js";
import { AccessDenied, authorize, readablePathFilter, visibleVaultIds } from "../../src/access/authorize.js";
import type { AgentPrincipal, UserPrincipal } from "../../src/auth/principal.js";
import { createUser, type TestUser } from "../support/identity.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { expectNewEvents, markEventLog } from "../support/events.js";

describe("authorize", () => {
  let server: TestServer;
  let owner: TestUser;
  let ownerPrincipal: UserPrincipal;
  let vaultId: string;
  const metadata = { request_id: "test" };

  const agentPrincipal = (id: string, orgId: string, overrides: Partial<AgentPrincipal> = {}): AgentPrincipal => ({
    type: "agent", id, orgId, scopes: [], vaultIds: [], intentsApiEnabled: false, credential: "jwt", ...overrides,
  });

  async function newAgent(): Promise<string> {
    const created = await server.request("POST", "/v1/agents", { token: owner.accessToken, body: { name: `a-${randomUUID()}` } });
    expect(created.status).to.equal(201);
    return created.body.agent.id;
  }

  async function grant(agentId: string, body: Record<string, unknown>): Promise<string> {
    const created = await server.request("POST", `/v1/vaults/${vaultId}/policies`, { token: owner.accessToken, body: {
      principal_type: "agent", principal_id: agentId, permissions: ["read"], ...body,
    } });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    return created.body.id;
  }

  before(async () => {
    server = await startTestServer("access-authorize");
    owner = await createUser(server);
    ownerPrincipal = { type: "user", id: owner.userId, orgId: owner.orgId, email: owner.email, role: "owner", credential: "jwt" };
    const vault = await server.request("POST", "/v1/vaults", { token: owner.accessToken, body: { name: "v" } });
    expect(vault.status).to.equal(201);
    vaultId = vault.body.id;
  });
  after(async () => server?.close());

  const services = () => server.server.services;

  it("gives the creator full access with no policy", async () => {
    expect(await authorize(services(), ownerPrincipal, { vaultId, path: "a/b", permission: "write", ip: "198.51.100.1", metadata }))
      .to.deep.equal({});
  });

  it("answers VaultNotFound for unknown vaults and other organisations' vaults", async () => {
    const outsider = await createUser(server);
    const asOutsider: UserPrincipal = { ...ownerPrincipal, id: outsider.userId, orgId: outsider.orgId };
    for (const [principal, id] of [[ownerPrincipal, randomUUID()], [ownerPrincipal, "nope"], [asOutsider, vaultId]] as const) {
      let thrown: unknown;
      await authorize(services(), principal, { vaultId: id, permission: "read", ip: "127.0.0.1", metadata }).catch((e) => { thrown = e; });
      expect(thrown).to.be.instanceOf(VaultNotFound);
    }
  });

  it("names the deciding policy, records refusals, and filters listings the same way", async () => {
    const agentId = await newAgent();
    const policyId = await grant(agentId, { secret_path_pattern: "api-keys/*" });
    const agent = agentPrincipal(agentId, owner.orgId);
    expect(await authorize(services(), agent, { vaultId, path: "api-keys/x", permission: "read", ip: "127.0.0.1", metadata }))
      .to.deep.equal({ policyId });

    let thrown: unknown;
    const mark = await markEventLog(server.server.store);
    await authorize(services(), agent, { vaultId, path: "db/x", permission: "read", ip: "127.0.0.1", metadata, action: "secret.read" })
      .catch((e) => { thrown = e; });
    expect(thrown).to.be.instanceOf(AccessDenied);
    const [denied] = await expectNewEvents(mark, [{ type: "AccessDenied", stream: `access_denied-${owner.orgId}`, data: {
      org_id: owner.orgId, actor: { type: "agent", id: agentId }, action: "secret.read", resource_type: "secret",
      resource_id: `${vaultId}/db/x`, vault_id: vaultId, path: "db/x", reason: "no matching policy",
    } }], { type: "AccessDenied" });
    expect(denied.metadata).to.include({ request_id: "test" });

    const readable = await readablePathFilter(services(), agent, vaultId, "127.0.0.1");
    expect(["api-keys/x", "api-keys/a/b", "db/x"].filter(readable)).to.deep.equal(["api-keys/x"]);
    const scoped = await readablePathFilter(services(), agentPrincipal(agentId, owner.orgId, { scopes: ["other/*"] }), vaultId, "127.0.0.1");
    expect(["api-keys/x"].filter(scoped)).to.deep.equal([]);
    const creator = await readablePathFilter(services(), ownerPrincipal, vaultId, "127.0.0.1");
    expect(["api-keys/x", "db/x"].filter(creator)).to.have.length(2);
  });

  it("shows owners every vault, others only vaults they created or hold a policy on", async () => {
    expect(await visibleVaultIds(server.server.db, ownerPrincipal)).to.equal("all");
    const agentId = await newAgent();
    const agent = agentPrincipal(agentId, owner.orgId);
    expect(await visibleVaultIds(server.server.db, agent)).to.deep.equal([]);
    await grant(agentId, { secret_path_pattern: "**" });
    expect(await visibleVaultIds(server.server.db, agent)).to.deep.equal([vaultId]);
    expect(await visibleVaultIds(server.server.db, { ...agent, vaultIds: [randomUUID()] })).to.deep.equal([]);
    const member: UserPrincipal = { ...ownerPrincipal, role: "member" };
    expect(await visibleVaultIds(server.server.db, member)).to.include(vaultId);
  });
});
