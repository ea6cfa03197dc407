import path from "node:path";
import { expect } from "chai";
import { ConfigError, ENVIRONMENT_VARIABLES, loadConfig } from "../../src/config.js";

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

const PKCS11 = { PKCS11_MODULE: "/usr/lib/softhsm/libsofthsm2.so", PKCS11_PIN: "pin-do-not-leak" };

describe("configuration", () => {
  it("has defaults for everything optional", () => {
    expect(loadConfig({})).to.deep.equal({
      port: 8080,
      host: "0.0.0.0",
      dataDir: path.resolve("./data"),
      databaseUrl: undefined,
      eventStoreUrl: undefined,
      eventStoreDeadlineMs: 5000,
      keyProvider: { kind: "local" },
      logLevel: "info",
      publicUrl: undefined,
      shroudUrl: "http://localhost:8081",
      workers: 1,
      shutdownTimeoutMs: 10000,
      readYourWritesTimeoutMs: 5000,
      authRateLimit: { burst: 5, perSecond: 1 },
      auditSignIntervalSeconds: 60,
      billing: { defaultTier: "enterprise", operatorEmails: [],
        x402: { facilitatorUrl: undefined, payTo: undefined, network: "eip155:8453", asset: "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913" } },
      cmekBatchPauseMs: 0,
      smtpUrl: undefined,
      mailFrom: "Keyledger <no-reply@keyledger.invalid>",
      google: { clientId: undefined, issuer: "https://accounts.google.com", jwksUrl: "https://www.googleapis.com/oauth2/v3/certs" },
      chains: { rpcUrls: {}, file: undefined, devRpcUrl: undefined, devChainId: 31337, rpcDeadlineMs: 10000 },
    });
  });

  it("reads the Intents API's chain RPC URLs by name or chain id, and never quotes them in an error", () => {
    const config = loadConfig({ KEYLEDGER_CHAIN_RPC_URLS: "Base=https://rpc.example/key-1, 11155111=http://127.0.0.1:8545",
      KEYLEDGER_DEV_CHAIN_RPC_URL: "http://127.0.0.1:8546", KEYLEDGER_DEV_CHAIN_ID: "1337", RPC_DEADLINE_MS: "2500" });
    expect(config.chains).to.deep.include({ rpcUrls: { base: "https://rpc.example/key-1", "11155111": "http://127.0.0.1:8545" },
      devRpcUrl: "http://127.0.0.1:8546", devChainId: 1337, rpcDeadlineMs: 2500 });
    const problems = configError({ KEYLEDGER_CHAIN_RPC_URLS: "base=ftp://secret-key-in-url" }).problems.join();
    expect(problems).to.include("KEYLEDGER_CHAIN_RPC_URLS");
    expect(problems).to.not.include("secret-key-in-url");
  });

  it("takes the operator's default tier and the CMEK batch pause, refusing anything else", () => {
    const config = loadConfig({ KEYLEDGER_DEFAULT_TIER: "business", KEYLEDGER_CMEK_BATCH_PAUSE_MS: "250" });
    expect(config.billing.defaultTier).to.equal("business");
    expect(config.cmekBatchPauseMs).to.equal(250);
    expect(configError({ KEYLEDGER_DEFAULT_TIER: "gold" }).problems.join()).to.include("KEYLEDGER_DEFAULT_TIER");
    expect(configError({ KEYLEDGER_CMEK_BATCH_PAUSE_MS: "-1" }).problems.join()).to.include("KEYLEDGER_CMEK_BATCH_PAUSE_MS");
  });

  it("reads the billing settings: default tier, operators, and x402 (which needs an address to be paid to)", () => {
    const config = loadConfig({ KEYLEDGER_DEFAULT_TIER: "free", KEYLEDGER_OPERATOR_EMAILS: " Ops@Example.test, root@example.test ,",
      X402_FACILITATOR_URL: "https://x402.example/", X402_PAY_TO: "0x1111111111111111111111111111111111111111" });
    expect(config.billing.defaultTier).to.equal("free");
    expect(config.billing.operatorEmails).to.deep.equal(["ops@example.test", "root@example.test"]);
    expect(config.billing.x402.facilitatorUrl).to.equal("https://x402.example");
    expect(configError({ KEYLEDGER_DEFAULT_TIER: "gold" }).problems.join()).to.include("KEYLEDGER_DEFAULT_TIER");
    expect(configError({ X402_FACILITATOR_URL: "https://x402.example" }).problems.join()).to.include("X402_PAY_TO");
  });

  it("takes the audit signing interval in whole seconds, at least one", () => {
    expect(loadConfig({ AUDIT_SIGN_INTERVAL_SECONDS: "5" }).auditSignIntervalSeconds).to.equal(5);
    expect(configError({ AUDIT_SIGN_INTERVAL_SECONDS: "0" }).problems.join()).to.include("AUDIT_SIGN_INTERVAL_SECONDS");
  });

  it("runs more than one API worker only on stores several processes can share", () => {
    expect(loadConfig({}).workers).to.equal(1);
    expect(loadConfig({ ...PKCS11, DATABASE_URL: "postgres://db/keyledger", KEYLEDGER_WORKERS: "4" }).workers).to.equal(4);
    // The embedded database and the local keys live in a data directory one process may open.
    expect(configError({ KEYLEDGER_WORKERS: "2" }).problems.join()).to.match(/^KEYLEDGER_WORKERS: .*DATABASE_URL/);
    expect(configError({ DATABASE_URL: "postgres://db/keyledger", KEYLEDGER_WORKERS: "2" }).problems.join()).to.include("KEYLEDGER_WORKERS");
    expect(configError({ ...PKCS11, KEYLEDGER_WORKERS: "2" }).problems.join()).to.include("KEYLEDGER_WORKERS");
    expect(configError({ KEYLEDGER_WORKERS: "0" }).problems.join()).to.include("KEYLEDGER_WORKERS");
  });

  it("treats an empty variable as unset", () => {
    expect(loadConfig({ PORT: "" }).port).to.equal(8080);
  });

  it("chooses pkcs11 when a PKCS#11 module is configured", () => {
    expect(loadConfig({ ...PKCS11, PKCS11_SLOT: "1" }).keyProvider).to.deep.equal({
      kind: "pkcs11",
      module: PKCS11.PKCS11_MODULE,
      tokenLabel: "keyledger",
      slot: 1,
      pin: PKCS11.PKCS11_PIN,
    });
  });

  it("reads URLs and trims the public URL's trailing slash", () => {
    const config = loadConfig({
      DATABASE_URL: "postgres://kl@db/kl",
      EVENTSTORE_URL: "esdb://es:2113?tls=false",
      KEYLEDGER_PUBLIC_URL: "https://vault.example.com/",
      KEYLEDGER_SHROUD_URL: "https://shroud.example.com/",
    });
    expect(config).to.include({
      databaseUrl: "postgres://kl@db/kl",
      eventStoreUrl: "esdb://es:2113?tls=false",
      publicUrl: "https://vault.example.com",
      shroudUrl: "https://shroud.example.com",
    });
  });

  const bad: Array<[string, Record<string, string>]> = [
    ["PORT", { PORT: "http" }],
    ["PORT", { PORT: "70000" }],
    ["DATABASE_URL", { DATABASE_URL: "mysql://db" }],
    ["EVENTSTORE_URL", { EVENTSTORE_URL: "not a url" }],
    ["KEYLEDGER_SHROUD_URL", { KEYLEDGER_SHROUD_URL: "ftp://shroud" }],
    ["EVENTSTORE_DEADLINE_MS", { EVENTSTORE_DEADLINE_MS: "-1" }],
    ["KEY_PROVIDER", { KEY_PROVIDER: "aws" }],
    ["PKCS11_MODULE", { KEY_PROVIDER: "pkcs11", PKCS11_PIN: "1234" }],
    ["PKCS11_PIN", { PKCS11_MODULE: "/lib/p11.so" }],
    ["PKCS11_SLOT", { ...PKCS11, PKCS11_SLOT: "first" }],
    ["LOG_LEVEL", { LOG_LEVEL: "loud" }],
    ["KEYLEDGER_PUBLIC_URL", { KEYLEDGER_PUBLIC_URL: "ftp://x" }],
    ["SHUTDOWN_TIMEOUT_MS", { SHUTDOWN_TIMEOUT_MS: "soon" }],
    ["READ_YOUR_WRITES_TIMEOUT_MS", { READ_YOUR_WRITES_TIMEOUT_MS: "1.5" }],
    ["RATE_LIMIT_AUTH_BURST", { RATE_LIMIT_AUTH_BURST: "0" }],
    ["RATE_LIMIT_AUTH_PER_SECOND", { RATE_LIMIT_AUTH_PER_SECOND: "0" }],
    ["RATE_LIMIT_AUTH_PER_SECOND", { RATE_LIMIT_AUTH_PER_SECOND: "fast" }],
  ];
  for (const [variable, env] of bad) {
    it(`names ${variable} when ${JSON.stringify(env)} is bad`, () => {
      const error = configError(env);
      expect(error.problems).to.have.length(1);
      expect(error.problems[0]).to.match(new RegExp(`^${variable}: `));
    });
  }

  it("never echoes the PIN or any other value", () => {
    const error = configError({ ...PKCS11, PORT: "pin-do-not-leak", LOG_LEVEL: "pin-do-not-leak" });
    expect(error.message).not.to.include("pin-do-not-leak");
  });

  it("describes every variable it reads", () => {
    const names = ENVIRONMENT_VARIABLES.map((v) => v.name);
    expect(names).to.include.members(["PORT", "DATABASE_URL", "EVENTSTORE_URL", "KEY_PROVIDER", "PKCS11_PIN"]);
    for (const variable of ENVIRONMENT_VARIABLES) expect(variable.description).not.to.equal("");
  });
});
