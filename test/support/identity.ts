/**
 * A real user for integration tests, made the way a person would: signup over HTTP, the verification
 * token read from the dev outbox, verify-email, then login.
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { randomUUID } from "node:crypto";
import type { TestServer } from "./server.js";

export interface TestUser {
  userId: string;
  orgId: string;
  email: string;
  password: string;
  accessToken: string;
}

/** The newest outbox message to the address, as text. */
export async function lastMailTo(server: TestServer, email: string): Promise<string> {
  const directory = path.join(server.config.dataDir, "outbox");
  const files = (await readdir(directory).catch(() => [] as string[])).sort().reverse();
  for (const file of files) {
    const text = await readFile(path.join(directory, file), "utf8");
    if (text.startsWith(`To: ${email.toLowerCase()}\n`)) return text;
  }
  throw new Error(`no mail to ${email} in the outbox`);
}

/** The verification token in the newest verification mail to the address. */
export async function verificationTokenFor(server: TestServer, email: string): Promise<string> {
  const match = /verify-email:\n(\S+)\n/.exec(await lastMailTo(server, email));
  if (!match) throw new Error(`the last mail to ${email} holds no verification token`);
  return match[1];
}

async function expectOk(response: { status: number; body: any }, step: string) {
  if (response.status !== 200) throw new Error(`${step}: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

export async function createUser(server: TestServer, options: { email?: string; password?: string } = {}): Promise<TestUser> {
  const email = (options.email ?? `user-${randomUUID()}@example.test`).toLowerCase();
  const password = options.password ?? `pw-${randomUUID()}`;
  await expectOk(await server.request("POST", "/v1/auth/signup", { body: { email, password } }), "signup");
  const token = await verificationTokenFor(server, email);
  await expectOk(await server.request("POST", "/v1/auth/verify-email", { body: { token } }), "verify-email");
  const login = await expectOk(await server.request("POST", "/v1/auth/token", { body: { email, password } }), "login");
  const me = await expectOk(await server.request("GET", "/v1/auth/me", { token: login.access_token }), "me");
  return { userId: me.id, orgId: me.org_id, email, password, accessToken: login.access_token };
}
