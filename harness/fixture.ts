/**
 * What both reliability harnesses stand on: a `keyledger serve` child process on a given PostgreSQL
 * database, with SoftHSM keys when PKCS11_MODULE is set (a throwaway token) or local keys, a user signed
 * up through the dev outbox, a vault and an agent to grant things to.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { ChildServer, expectStatus, freePort, signUpThroughOutbox } from "../test/support/child-server.js";
import { softHsmToken } from "../test/support/softhsm.js";

export interface Fixture {
  dataDir: string;
  databaseUrl: string;
  /** The server's environment (so that it can be started again, and CLI commands run on the same stores). */
  env: Record<string, string>;
  port: number;
  keys: "softhsm" | "local keys";
  server: ChildServer;
  token: string;
  vaultId: string;
  agentId: string;
  /** Starts the server again on the same port, stores and keys; waits until it is healthy. */
  restart(): Promise<ChildServer>;
  dispose(): Promise<void>;
}

export async function startFixture(label: string, databaseUrl: string, options: { waitHealthy?: boolean } = {}): Promise<Fixture> {
  const dataDir = await mkdtemp(path.join(tmpdir(), `keyledger-${label}-`));
  const env: Record<string, string> = {
    DATABASE_URL: databaseUrl, KEYLEDGER_DATA_DIR: dataDir, LOG_LEVEL: "warn",
    RATE_LIMIT_AUTH_BURST: "1000000", RATE_LIMIT_AUTH_PER_SECOND: "1000000", READ_YOUR_WRITES_TIMEOUT_MS: "5000",
  };
  let keys: Fixture["keys"] = "local keys";
  if (process.env.PKCS11_MODULE) {
    const token = softHsmToken(`${label}-${process.pid}`);
    Object.assign(env, { KEY_PROVIDER: "pkcs11", PKCS11_MODULE: token.modulePath, PKCS11_PIN: token.pin,
      PKCS11_TOKEN_LABEL: "label" in token.token ? token.token.label : "", SOFTHSM2_CONF: process.env.SOFTHSM2_CONF! });
    keys = "softhsm";
  } else {
    Object.assign(env, { KEY_PROVIDER: "local", PKCS11_MODULE: "" });
  }
  const port = await freePort();
  const fixture: Fixture = {
    dataDir, databaseUrl, env, port, keys,
    server: await ChildServer.spawn(env, port),
    token: "", vaultId: "", agentId: "",
    async restart() {
      fixture.server = await ChildServer.spawn(env, port);
      await fixture.server.waitHealthy(120_000);
      return fixture.server;
    },
    async dispose() {
      await fixture.server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  if (options.waitHealthy === false) return fixture;
  await fixture.server.waitHealthy(120_000);
  fixture.token = (await signUpThroughOutbox(fixture.server.url, dataDir)).token;
  const auth = { token: fixture.token };
  fixture.vaultId = (await expectStatus(fixture.server.request("POST", "/v1/vaults", { ...auth, body: { name: label } }), 201, "vault")).id;
  fixture.agentId = (await expectStatus(fixture.server.request("POST", "/v1/agents", { ...auth, body: { name: `${label}-agent` } }), 201, "agent")).agent.id;
  return fixture;
}

/** Rows of the event log, read straight from the database (not through the server under test). */
export async function eventsOfTypes(databaseUrl: string, types: string[]):
  Promise<Array<{ type: string; stream: string; data: any; metadata: any }>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query(
      "select event_type as type, stream_name as stream, data, metadata from eventstore_events where event_type = any($1)", [types]);
    return rows;
  } finally {
    await client.end();
  }
}

export const progress = (line: string) => process.stderr.write(`${line}\n`);
