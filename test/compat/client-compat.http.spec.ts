/**
 * Wire compatibility with the 1claw clients beyond the core routes (issue 15): unknown sub-paths, product
 * areas Keyledger leaves out, batch deletion of agents, the `delete` permission, agents granting access on
 * their own vaults, secret types as sent, and what self-enrolment tells the agent.
 */
import { randomUUID } from "node:crypto";
import { expect } from "chai";
import { createUser, type TestUser } from "../support/identity.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { storedEvents } from "../support/events.js";
import { ONECLAW_OPERATIONS } from "./1claw-operations.js";

const NIL_UUID = "00000000-0000-0000-0000-000000000000";

describe("1claw client compatibility beyond the core routes", () => {
  let server: TestServer;
  let human: TestUser;
  let vaultId: string;

  const as = (token: string) => ({
    get: (p: string) => server.request("GET", p, { token }),
    post: (p: string, body?: unknown) => server.request("POST", p, { token, body }),
    put: (p: string, body: unknown) => server.request("PUT", p, { token, body }),
    delete: (p: string) => server.request("DELETE", p, { token }),
  });

  async function newAgent(body: Record<string, unknown> = {}) {
    const created = await as(human.accessToken).post("/v1/agents", { name: `bot-${randomUUID()}`, ...body });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    const exchanged = await server.request("POST", "/v1/auth/agent-token", { body: { api_key: created.body.api_key } });
    return { id: created.body.agent.id as string, token: exchanged.body.access_token as string };
  }

  before(async () => {
    server = await startTestServer("client-compat");
    human = await createUser(server);
    vaultId = (await as(human.accessToken).post("/v1/vaults", { name: "compat" })).body.id;
  });
  after(() => server?.close());

  describe("paths no route answers", () => {
    it("answers 404 for unknown sub-paths, whether or not a parameterised route fits their shape", async () => {
      const user = as(human.accessToken);
      const agent = await newAgent();
      for (const [method, path] of [
        ["POST", "/v1/agents/not-a-route"], ["GET", "/v1/agents/not-a-route"], ["DELETE", "/v1/agents/not-a-route"],
        ["GET", `/v1/agents/${agent.id}/nowhere`], ["POST", `/v1/vaults/${vaultId}/nowhere`],
        ["GET", `/v1/vaults/${vaultId}/policies/not-a-policy`], ["PATCH", "/v1/org/members/nobody"], ["GET", "/v1/nowhere"],
      ] as const) {
        const answer = await server.request(method, path, { token: human.accessToken, body: method === "GET" ? undefined : {} });
        expect(answer.status, `${method} ${path}`).to.equal(404);
        expect(answer.headers.get("content-type")).to.match(/application\/problem\+json/);
        expect(answer.body).to.include({ status: 404, detail: "no such route" });
      }
      // A path with routes under other methods is still a 405 naming them.
      const wrongMethod = await server.request("DELETE", "/v1/agents", { token: human.accessToken });
      expect(wrongMethod.status).to.equal(405);
      expect(wrongMethod.headers.get("allow")).to.include("GET").and.include("POST");
      const onMe = await server.request("DELETE", "/v1/agents/me", { token: human.accessToken });
      expect(onMe.status, "me is no agent id: only GET /v1/agents/me exists").to.equal(405);
      expect(onMe.headers.get("allow")).to.not.include("DELETE");
      expect((await user.get(`/v1/agents/${agent.id}`)).status).to.equal(200);
    });

    it("answers the 1claw product areas outside Keyledger with a 501 problem that says so", async () => {
      for (const [method, path] of [
        ["GET", "/v1/agents/directory"], ["GET", "/v1/treasury"], ["POST", "/v1/cards/import"],
        ["GET", `/v1/platform/apps/${randomUUID()}`], ["POST", `/v1/agents/${randomUUID()}/memory/search`],
        ["GET", "/v1/approvals"], ["GET", "/v1/admin/settings"], ["POST", "/v1/auth/passkeys/register/begin"],
        ["GET", `/v1/vaults/${randomUUID()}/env-vars/resolve`], ["DELETE", `/v1/vaults/${randomUUID()}/environments/staging`],
        ["POST", "/v1/shroud/activity"],
      ] as const) {
        const answer = await server.request(method, path, { token: human.accessToken });
        expect(answer.status, `${method} ${path}`).to.equal(501);
        expect(answer.headers.get("content-type")).to.match(/application\/problem\+json/);
        expect(answer.body.detail).to.match(/^not implemented in Keyledger: /);
      }
    });

    it("answers no operation of the 1claw spec with 405, nor with 400 unless Keyledger serves it", async () => {
      const spec = (await server.request("GET", "/openapi.json")).body;
      const shape = (path: string) => path.replace(/\{[^}]+\}/g, "{}");
      const served = new Set(Object.entries(spec.paths as Record<string, Record<string, unknown>>)
        .flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${shape(path)}`)));
      const id = randomUUID();
      const wrong: string[] = [];
      for (const [method, path] of ONECLAW_OPERATIONS) {
        // Without credentials: nothing is changed, served routes answer 401 (or validate a public body).
        const answer = await server.request(method, path.replace(/\{[^}]+\}/g, id), { body: method === "GET" ? undefined : {} });
        const ours = served.has(`${method} ${shape(path)}`);
        const unknownAnswer = answer.status === 405 || (answer.status === 400 && !ours);
        if (unknownAnswer || (answer.status >= 500 && answer.status !== 501)) wrong.push(`${method} ${path}: ${answer.status}`);
      }
      expect(wrong).to.deep.equal([]);
    });
  });

  describe("POST /v1/agents/batch-delete", () => {
    it("deletes each named agent of the caller's organisation and names the ones it could not delete", async () => {
      const [a, b] = [await newAgent(), await newAgent()];
      const stranger = await createUser(server);
      const theirs = (await as(stranger.accessToken).post("/v1/agents", { name: "theirs" })).body.agent.id;
      const unknown = randomUUID();
      const answer = await as(human.accessToken).post("/v1/agents/batch-delete", { agent_ids: [a.id, b.id, theirs, unknown] });
      expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
      expect(answer.body).to.include({ deleted: 2, failed: 2 });
      expect(answer.body.errors.map((e: { id: string }) => e.id)).to.have.members([theirs, unknown]);
      for (const error of answer.body.errors) expect(error.reason).to.be.a("string").and.not.equal("");
      expect((await as(human.accessToken).get(`/v1/agents/${a.id}`)).status).to.equal(404);
      expect((await as(stranger.accessToken).get(`/v1/agents/${theirs}`)).status, "another organisation's agent").to.equal(200);
      expect((await server.request("POST", "/v1/auth/agent-token", { body: { agent_id: b.id, api_key: "ocv_x" } })).status)
        .to.equal(401);

      const again = await as(human.accessToken).post("/v1/agents/batch-delete", { agent_ids: [a.id] });
      expect(again.body).to.deep.include({ deleted: 0, failed: 1 });
    });

    it("is for humans, and refuses malformed bodies with 400", async () => {
      const agent = await newAgent();
      expect((await as(agent.token).post("/v1/agents/batch-delete", { agent_ids: [agent.id] })).status).to.equal(403);
      for (const body of [{}, { agent_ids: [] }, { agent_ids: ["nope"] }, { agent_ids: Array(101).fill(agent.id) }]) {
        expect((await as(human.accessToken).post("/v1/agents/batch-delete", body)).status, JSON.stringify(body)).to.equal(400);
      }
      expect((await server.request("POST", "/v1/agents/batch-delete", { body: { agent_ids: [agent.id] } })).status).to.equal(401);
    });
  });

  describe("the delete permission", () => {
    it("is accepted beside write, as the MCP grant_access and the CLI send it, and deleting needs write", async () => {
      const agent = await newAgent();
      const policies = `/v1/vaults/${vaultId}/policies`;
      const granted = await as(human.accessToken).post(policies, { secret_path_pattern: "tmp/**", principal_type: "agent",
        principal_id: agent.id, permissions: ["delete", "read", "write"] });
      expect(granted.status, JSON.stringify(granted.body)).to.equal(201);
      expect(granted.body.permissions).to.deep.equal(["read", "write", "delete"]);
      expect((await as(human.accessToken).get(policies)).body.policies.find((p: { id: string }) => p.id === granted.body.id)
        .permissions).to.deep.equal(["read", "write", "delete"]);

      await as(human.accessToken).put(`/v1/vaults/${vaultId}/secrets/tmp/one`, { value: "v1" });
      expect((await as(agent.token).delete(`/v1/vaults/${vaultId}/secrets/tmp/one`)).status).to.equal(204);

      for (const permissions of [["delete"], ["read", "delete"]]) {
        const refused = await as(human.accessToken).post(policies, { secret_path_pattern: "**", principal_type: "agent",
          principal_id: agent.id, permissions });
        expect(refused.status, JSON.stringify(permissions)).to.equal(400);
        expect(refused.body.detail).to.include("delete requires write");
      }
      const narrowed = await server.request("PUT", `${policies}/${granted.body.id}`, { token: human.accessToken,
        body: { permissions: ["read"] } });
      expect(narrowed.body.permissions).to.deep.equal(["read"]);
      await as(human.accessToken).put(`/v1/vaults/${vaultId}/secrets/tmp/two`, { value: "v1" });
      expect((await as(agent.token).delete(`/v1/vaults/${vaultId}/secrets/tmp/two`)).status).to.equal(403);
    });
  });

  describe("agents granting access", () => {
    it("lets an agent manage policies on a vault it created, within its own bounds", async () => {
      const owner = await newAgent();
      const helper = await newAgent();
      const own = await as(owner.token).post("/v1/vaults", { name: `agent-made-${randomUUID()}` });
      expect(own.status, JSON.stringify(own.body)).to.equal(201);
      const policies = `/v1/vaults/${own.body.id}/policies`;
      await as(owner.token).put(`/v1/vaults/${own.body.id}/secrets/api-keys/x`, { value: "agent-made-value" });

      const granted = await as(owner.token).post(policies, { secret_path_pattern: "api-keys/*", principal_type: "agent",
        principal_id: helper.id, permissions: ["read"] });
      expect(granted.status, JSON.stringify(granted.body)).to.equal(201);
      expect(granted.body).to.include({ created_by: owner.id, created_by_type: "agent" });
      const helperToken = (await server.request("POST", `/v1/agents/${helper.id}/token`, { token: human.accessToken })).body.token;
      const read = await as(helperToken).get(`/v1/vaults/${own.body.id}/secrets/api-keys/x`);
      expect(read.status).to.equal(200);
      expect(read.body.value).to.equal("agent-made-value");
      // Its human too, as the MCP grant_access describes sharing back.
      const toHuman = await as(owner.token).post(policies, { secret_path_pattern: "**", principal_type: "user",
        principal_id: human.userId, permissions: ["read", "write"] });
      expect(toHuman.status).to.equal(201);
      expect((await as(owner.token).get(policies)).body.policies).to.have.length(2);
      const updated = await server.request("PUT", `${policies}/${granted.body.id}`, { token: owner.token, body: { priority: 5 } });
      expect(updated.status).to.equal(200);
      expect((await as(owner.token).delete(`${policies}/${toHuman.body.id}`)).status).to.equal(204);
    });

    it("never on another's vault, never to itself, never over its humans' policies", async () => {
      const agent = await newAgent();
      const other = await newAgent();
      const onHumans = await as(agent.token).post(`/v1/vaults/${vaultId}/policies`, { secret_path_pattern: "**",
        principal_type: "agent", principal_id: agent.id, permissions: ["read"] });
      expect(onHumans.status).to.equal(403);
      expect((await as(agent.token).get(`/v1/vaults/${vaultId}/policies`)).status).to.equal(403);

      const own = (await as(agent.token).post("/v1/vaults", { name: `own-${randomUUID()}` })).body.id;
      const policies = `/v1/vaults/${own}/policies`;
      const self = await as(agent.token).post(policies, { secret_path_pattern: "**", principal_type: "agent",
        principal_id: agent.id, permissions: ["read", "write"] });
      expect(self.status).to.equal(403);
      expect(self.body.detail).to.include("cannot grant itself");

      const byHuman = await as(human.accessToken).post(policies, { secret_path_pattern: "**", principal_type: "agent",
        principal_id: other.id, permissions: ["read"] });
      expect(byHuman.status, "owners manage every vault of the organisation").to.equal(201);
      expect((await server.request("PUT", `${policies}/${byHuman.body.id}`, { token: agent.token, body: { permissions: ["read", "write"] } }))
        .status).to.equal(403);
      expect((await as(agent.token).delete(`${policies}/${byHuman.body.id}`)).status).to.equal(403);

      const denials = (await storedEvents(server.server.store, { type: "AccessDenied", where: (data) => data.actor.id === agent.id }))
        .map((e) => e.data.reason);
      expect(denials).to.include.members(["agents manage policies only on vaults they created",
        "an agent cannot grant itself access", "the policy was set by someone else"]);

      const bound = await newAgent({ vault_ids: [vaultId] });
      const elsewhere = await as(human.accessToken).post("/v1/vaults", { name: `bound-${randomUUID()}` });
      expect((await as(bound.token).get(`/v1/vaults/${elsewhere.body.id}/policies`)).status).to.equal(403);
    });
  });

  describe("secret types", () => {
    const secrets = () => `/v1/vaults/${vaultId}/secrets`;

    it("stores and returns the type the client sent, generic by default, under type and secret_type", async () => {
      const user = as(human.accessToken);
      const generic = await user.put(`${secrets()}/types/generic`, { value: "g", type: "generic" });
      expect(generic.body).to.include({ type: "generic", secret_type: "generic" });
      const unnamed = await user.put(`${secrets()}/types/default`, { value: "d" });
      expect(unnamed.body).to.include({ type: "generic", secret_type: "generic" });
      const aliased = await user.put(`${secrets()}/types/aliased`, { value: "p", secret_type: "password" });
      expect(aliased.body).to.include({ type: "password", secret_type: "password" });

      const read = await user.get(`${secrets()}/types/generic`);
      expect(read.body).to.include({ type: "generic", secret_type: "generic", value: "g" });
      const listed = (await user.get(`${secrets()}?prefix=types/`)).body.secrets;
      expect(listed.map((s: { path: string; type: string; secret_type: string }) => [s.path, s.type, s.secret_type])).to.have.deep.members([
        ["types/generic", "generic", "generic"], ["types/default", "generic", "generic"], ["types/aliased", "password", "password"]]);
      const versions = await user.get(`/v1/vaults/${vaultId}/secret-versions/types/default`);
      expect(versions.body.versions[0]).to.include({ type: "generic", secret_type: "generic" });
      expect((await user.put(`${secrets()}/types/bad`, { value: "x", type: "nonsense" })).status).to.equal(400);
    });

    it("keeps env as env, checked and parsed like an env_bundle", async () => {
      const user = as(human.accessToken);
      const env = await user.put(`${secrets()}/types/env`, { value: "A=1\nB=two", type: "env" });
      expect(env.body).to.include({ type: "env", secret_type: "env" });
      const parsed = await user.get(`${secrets()}/types/env?format=json`);
      expect(parsed.body.env).to.deep.equal({ A: "1", B: "two" });
      expect((await user.put(`${secrets()}/types/env-bad`, { value: "not a line", type: "env" })).status).to.equal(400);
    });
  });

  describe("POST /v1/agents/enroll", () => {
    it("answers the same for any email, saying what the agent can expect instead of an id", async () => {
      const known = await server.request("POST", "/v1/agents/enroll", { body: { name: "self-made", human_email: human.email } });
      const unknown = await server.request("POST", "/v1/agents/enroll",
        { body: { name: "self-made", human_email: `nobody-${randomUUID()}@example.test` } });
      expect(known.status).to.equal(201);
      expect(known.body).to.deep.equal(unknown.body);
      expect(known.body).to.include({ agent_id: NIL_UUID, status: "pending", credentials_delivery: "email_to_human" });
      expect(known.body.message).to.include("nil UUID").and.include("POST /v1/auth/agent-token").and.include("policy");
    });
  });
});
