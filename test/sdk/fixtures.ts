/** What the SDK specs share: the real server, a human owner, agents with policies, and a fetch that records. */
import { expect } from "chai";
import { randomUUID } from "node:crypto";
import { createClient, type KeyledgerClient, type OneclawResponse } from "../../src/sdk/index.js";
import { hashPassword } from "../../src/humans/passwords.js";
import { registerUser } from "../../src/humans/register.js";
import { createUser, type TestUser } from "../support/identity.js";
import type { TestServer } from "../support/server.js";

/** The answer's data, after checking it is a success. */
export function ok<T>(answer: OneclawResponse<T>): T {
  expect(answer.error, JSON.stringify(answer.error)).to.equal(null);
  expect(answer.meta.status).to.be.within(200, 299);
  return answer.data as T;
}

export interface RecordedRequest { method: string; url: string; authorization?: string }

/** The global fetch, with a log of what went out (the server is real; only the log is added). */
export function recordingFetch(): { fetch: typeof fetch; requests: RecordedRequest[] } {
  const requests: RecordedRequest[] = [];
  const recording: typeof fetch = async (input, init) => {
    const headers = new Headers(init?.headers);
    requests.push({ method: init?.method ?? "GET", url: String(input), authorization: headers.get("authorization") ?? undefined });
    return fetch(input, init);
  };
  return { fetch: recording, requests };
}

export const exchangesIn = (requests: RecordedRequest[]) => requests.filter((r) => r.url.endsWith("/v1/auth/agent-token"));

export interface Owner extends TestUser {
  client: KeyledgerClient;
}

export async function ownerOf(server: TestServer): Promise<Owner> {
  const user = await createUser(server);
  const client = createClient({ baseUrl: server.url });
  ok(await client.auth.login({ email: user.email, password: user.password }));
  return { ...user, client };
}

/** A member of the owner's organisation, made directly (the events the CLI's `user create --org` writes; invitations have their own spec). */
export async function memberOf(server: TestServer, owner: TestUser, role: "admin" | "member" = "member") {
  const email = `member-${randomUUID()}@example.test`;
  const password = `pw-${randomUUID()}`;
  const { userId } = await registerUser(server.server.services.bus, {
    email, authMethod: "password", passwordHash: await hashPassword(password), join: { orgId: owner.orgId, role },
  }, { actor: { type: "user", id: owner.userId } });
  const client = createClient({ baseUrl: server.url });
  ok(await client.auth.login({ email, password }));
  return { userId, email, password, client };
}

/** An agent with read/write on the vault's paths matching `pattern`, and its key. */
export async function agentWithAccess(owner: Owner, vaultId: string, options: { pattern?: string; ttl?: number; name?: string } = {}) {
  const created = ok(await owner.client.agents.create({
    name: options.name ?? `agent-${randomUUID().slice(0, 8)}`, token_ttl_seconds: options.ttl, vault_ids: [vaultId],
  }));
  ok(await owner.client.access.grantAgent(vaultId, created.agent.id, ["read", "write"], { path: options.pattern ?? "**" }));
  return { agentId: created.agent.id, apiKey: created.api_key };
}
