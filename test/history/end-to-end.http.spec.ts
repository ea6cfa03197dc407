/**
 * Time travel over the real flows: a vault, a secret, an agent with a policy reading it through the API,
 * then the policy deleted. The history and report routes see it all, and never the value.
 */
import { expect } from "chai";
import { randomUUID } from "node:crypto";
import { createUser, type TestUser } from "../support/identity.js";
import { startTestServer, type TestServer } from "../support/server.js";

describe("time travel over the vault, policy and secret routes", function () {
  let server: TestServer;
  let owner: TestUser;
  const value = `e2e-value-${randomUUID()}`;

  before(async () => {
    server = await startTestServer("history-e2e");
    owner = await createUser(server);
  });

  after(async () => {
    await server?.close();
  });

  it("answers who could read, who read, and the secret as of T", async () => {
    const token = owner.accessToken;
    const expectStatus = (response: { status: number; body: unknown }, status: number) => {
      expect(response.status, JSON.stringify(response.body)).to.equal(status);
      return response.body as any;
    };
    const vault = expectStatus(await server.request("POST", "/v1/vaults", { token, body: { name: "e2e" } }), 201);
    expectStatus(await server.request("PUT", `/v1/vaults/${vault.id}/secrets/api-keys/stripe`,
      { token, body: { type: "api_key", value, metadata: { team: "pay" } } }), 201);
    const agent = expectStatus(await server.request("POST", "/v1/agents", { token, body: { name: "reader" } }), 201);
    const policy = expectStatus(await server.request("POST", `/v1/vaults/${vault.id}/policies`, { token, body: {
      secret_path_pattern: "api-keys/*", principal_type: "agent", principal_id: agent.agent.id, permissions: ["read"] } }), 201);
    const agentToken = expectStatus(await server.request("POST", "/v1/auth/agent-token",
      { body: { api_key: agent.api_key } }), 200).access_token;
    const read = await server.request("GET", `/v1/vaults/${vault.id}/secrets/api-keys/stripe`, { token: agentToken });
    expect(read.status, JSON.stringify(read.body)).to.equal(200);
    const granted = server.clock.advance(1000);
    server.clock.advance(1000);
    expectStatus(await server.request("DELETE", `/v1/vaults/${vault.id}/policies/${policy.id}`, { token }), 204);

    const at = (t: Date) => server.request("GET", `/v1/vaults/${vault.id}/access-at/api-keys/stripe?at=${t.toISOString()}`, { token });
    const then = expectStatus(await at(granted), 200);
    expect(then.principals.map((p: { principal_id: string; via: string; policy_id?: string }) => [p.principal_id, p.policy_id ?? p.via]))
      .to.have.deep.members([[owner.userId, "creator"], [agent.agent.id, policy.id]]);
    const now = expectStatus(await at(server.clock.now()), 200);
    expect(now.principals.map((p: { principal_id: string }) => p.principal_id)).to.deep.equal([owner.userId]);

    // The read's audit event is appended without waiting for read models: wait until they include it.
    await server.server.runner.waitFor(await server.server.store.headPosition(), 10_000);
    const reads = expectStatus(await server.request("GET", `/v1/vaults/${vault.id}/reads/api-keys%2Fstripe`, { token }), 200);
    expect(reads.reads).to.have.length(1);
    expect(reads.reads[0]).to.include({ reader_type: "agent", reader_id: agent.agent.id, policy_id: policy.id, version: 1 });

    const asOf = expectStatus(await server.request("GET",
      `/v1/vaults/${vault.id}/secret-as-of/api-keys/stripe?at=${granted.toISOString()}`, { token }), 200);
    expect(asOf).to.include({ version: 1, type: "api_key", deleted: false });
    expect(asOf.metadata).to.deep.equal({ team: "pay" });

    const perDay = expectStatus(await server.request("GET", "/v1/reports/reads-per-day?reader_type=agent", { token }), 200);
    expect(perDay.rows).to.deep.equal([{ reader_type: "agent", reader_id: agent.agent.id, day: perDay.to, reads: 1 }]);

    const answers = JSON.stringify([then, now, reads, asOf, perDay]);
    expect(answers).not.to.include(value);
    for (const table of ["access_grants", "secret_history", "secret_reads", "secret_inventory", "daily_reads"]) {
      const { rows } = await server.server.db.query<{ row: string }>(`select t::text as row from ${table} t`);
      expect(rows.some((r) => r.row.includes(value)), table).to.equal(false);
    }
    expect(server.logs()).not.to.include(value);
  });
});
