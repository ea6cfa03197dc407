/**
 * Issue 9, point 5: an agent token's size does not grow with its policies, scopes or vaults (the server
 * evaluates them on every request); tokens stay under 2 KB and keep working where they used to hit 431.
 */
import { expect } from "chai";
import { randomUUID } from "node:crypto";
import { createUser, type TestUser } from "../support/identity.js";
import { startTestServer, type TestServer } from "../support/server.js";

const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString());

describe("agent token size (issue 9: 5)", function () {
  // Starting a server and signing a user up takes seconds, and much longer on a loaded machine.
  this.timeout(240_000);
  let server: TestServer;
  let owner: TestUser;
  let vaultId: string;

  before(async () => {
    server = await startTestServer("token-size");
    owner = await createUser(server);
    const vault = await server.request("POST", "/v1/vaults", { token: owner.accessToken, body: { name: `v-${randomUUID()}` } });
    vaultId = vault.body.id;
    const put = await server.request("PUT", `/v1/vaults/${vaultId}/secrets/team/p-299/key`,
      { token: owner.accessToken, body: { value: "reachable" } });
    expect(put.status).to.equal(201);
  });
  after(() => server?.close());

  async function newAgent(settings: Record<string, unknown> = {}) {
    const created = await server.request("POST", "/v1/agents",
      { token: owner.accessToken, body: { name: `a-${randomUUID()}`, ...settings } });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    return { id: created.body.agent.id as string, apiKey: created.body.api_key as string };
  }
  const exchange = async (apiKey: string) => {
    const response = await server.request("POST", "/v1/auth/agent-token", { body: { api_key: apiKey } });
    expect(response.status).to.equal(200);
    return response.body;
  };

  it("keeps the token under 2 KB with 150 policies of long patterns (once a token over 16 KB), and the agent reads what they grant", async function () {
    this.timeout(600_000);
    const agent = await newAgent();
    const first = await exchange(agent.apiKey);
    // 150 patterns of ~130 characters: copied into the token, they made it over 16 KB (431 on every request).
    for (let batch = 0; batch < 15; batch++) {
      await Promise.all(Array.from({ length: 10 }, async (_, j) => {
        const i = batch * 10 + j;
        const pattern = i === 149 ? "team/p-299/*" : `team/p-${i}/${"x".repeat(120)}-*`;
        const policy = await server.request("POST", `/v1/vaults/${vaultId}/policies`, { token: owner.accessToken, body: {
          secret_path_pattern: pattern, principal_type: "agent", principal_id: agent.id, permissions: ["read"] } });
        expect(policy.status, JSON.stringify(policy.body)).to.equal(201);
      }));
    }
    const exchanged = await exchange(agent.apiKey);
    expect(exchanged).to.include.keys("access_token", "token_type", "expires_in", "agent_id", "vault_ids");
    expect(exchanged.access_token.length).to.be.below(2048);
    // No larger than before the policies existed, give or take the claim saying where scopes are evaluated.
    expect(exchanged.access_token.length).to.be.at.most(first.access_token.length + 40);
    expect(claimsOf(exchanged.access_token)).to.include({ reach_on_server: true });
    const read = await server.request("GET", `/v1/vaults/${vaultId}/secrets/team/p-299/key`, { token: exchanged.access_token });
    expect(read.status, JSON.stringify(read.body)).to.equal(200);
    expect(read.body.value).to.equal("reachable");
    const outside = await server.request("GET", `/v1/vaults/${vaultId}/secrets/other`, { token: exchanged.access_token });
    expect(outside.status).to.equal(403);
  });

  it("keeps the token under 2 KB with 200 explicit scopes of 500 characters and 200 vault ids", async () => {
    const scopes = Array.from({ length: 200 }, (_, i) => `s${i}/${"y".repeat(490)}`);
    const vaultIds = Array.from({ length: 200 }, () => randomUUID());
    const agent = await newAgent({ scopes, vault_ids: vaultIds });
    const exchanged = await exchange(agent.apiKey);
    expect(exchanged.access_token.length).to.be.below(2048);
    // The exchange response still lists every vault, as clients read it there.
    expect(exchanged.vault_ids).to.have.length(200);
    const me = await server.request("GET", "/v1/agents/me", { token: exchanged.access_token });
    expect(me.status).to.equal(200);
    expect(me.body.scopes).to.have.length(200);
  });

  it("still shows small scopes and vault ids in the token, as 1claw clients expect", async () => {
    const agent = await newAgent({ scopes: ["db/**"], vault_ids: [vaultId] });
    const claims = claimsOf((await exchange(agent.apiKey)).access_token);
    expect(claims.scopes).to.deep.equal(["db/**"]);
    expect(claims.vault_ids).to.deep.equal([vaultId]);
    expect(claims).to.not.have.property("reach_on_server");
  });
});
