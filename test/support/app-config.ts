/**
 * A server configuration for integration tests, on the parts this run covers: PostgreSQL (a fresh database)
 * and SoftHSM (a throwaway token) when DATABASE_URL and PKCS11_MODULE are set, else the embedded default
 * (PGlite and local keys in a temporary data directory).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadConfig, type Config } from "../../src/config.js";
import { freshPostgres, postgresServerUrl, type TestDatabase } from "./databases.js";
import { softHsmToken } from "./softhsm.js";

export const usesSoftHsm = !!process.env.PKCS11_MODULE;

export interface TestConfig {
  config: Config;
  /** Removes the data directory and the database. */
  dispose(): Promise<void>;
}

export async function testConfig(label = "app"): Promise<TestConfig> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "keyledger-test-"));
  let database: TestDatabase | undefined;
  const env: Record<string, string> = { PORT: "0", HOST: "127.0.0.1", KEYLEDGER_DATA_DIR: dataDir, LOG_LEVEL: "silent",
    // Tests make many auth calls from one address; the rate-limit tests set their own low limits.
    RATE_LIMIT_AUTH_BURST: "1000000", RATE_LIMIT_AUTH_PER_SECOND: "1000000" };
  if (postgresServerUrl) {
    database = await freshPostgres();
    env.DATABASE_URL = database.url!;
  }
  if (usesSoftHsm) {
    const token = softHsmToken(label);
    Object.assign(env, { KEY_PROVIDER: "pkcs11", PKCS11_MODULE: token.modulePath, PKCS11_PIN: token.pin,
      PKCS11_TOKEN_LABEL: "label" in token.token ? token.token.label : "" });
  }
  return {
    config: loadConfig(env),
    async dispose() {
      await database?.dispose();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
