/**
 * Throwaway SoftHSM2 tokens for tests. One token directory per test process (its own softhsm2.conf,
 * named by SOFTHSM2_CONF, removed on exit), any number of tokens in it.
 *
 * SoftHSM reads its configuration and the list of tokens when the library is initialized, and the library
 * stays initialized while any provider in the process is open: create the tokens a test needs before
 * opening providers on them (the `before` hook of a suite that closes its providers in `after` is right).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Pkcs11Config } from "../../src/keys/pkcs11.js";
import { isModuleInitialized } from "../../src/keys/pkcs11-module.js";

const MODULE_CANDIDATES = [
  process.env.SOFTHSM2_MODULE,
  "/usr/lib/softhsm/libsofthsm2.so",
  "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
  "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
  "/usr/local/lib/softhsm/libsofthsm2.so",
];

const SO_PIN = "so-pin-for-tests";
const USER_PIN = "user-pin-for-tests";

/** Why SoftHSM cannot be used here, or undefined when it can. */
export function softHsmUnavailableReason(): string | undefined {
  if (!softHsmModulePath()) return "SoftHSM2 is not installed (no libsofthsm2.so; apt-get install -y softhsm2)";
  try {
    execFileSync("softhsm2-util", ["--version"], { stdio: "ignore" });
  } catch {
    return "SoftHSM2 is not installed (softhsm2-util is not on the PATH; apt-get install -y softhsm2)";
  }
  return undefined;
}

function softHsmModulePath(): string | undefined {
  return MODULE_CANDIDATES.find((path): path is string => !!path && existsSync(path));
}

let tokenDirectory: string | undefined;

function ensureTokenDirectory(): string {
  if (tokenDirectory) return tokenDirectory;
  const root = mkdtempSync(join(tmpdir(), "keyledger-softhsm-"));
  const tokens = join(root, "tokens");
  mkdirSync(tokens);
  const conf = join(root, "softhsm2.conf");
  writeFileSync(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  process.env.SOFTHSM2_CONF = conf;
  process.on("exit", () => rmSync(root, { recursive: true, force: true }));
  tokenDirectory = tokens;
  return tokens;
}

const created = new Set<string>();

/**
 * A fresh SoftHSM token under `label` (created on the first call for that label in this process) and the
 * configuration that opens a PKCS#11 provider on it.
 */
export function softHsmToken(label: string): Pkcs11Config {
  const modulePath = softHsmModulePath();
  const unavailable = softHsmUnavailableReason();
  if (unavailable || !modulePath) throw new Error(unavailable);
  if (!created.has(label)) {
    if (isModuleInitialized(modulePath)) {
      throw new Error(`create SoftHSM token ${label} before opening any provider: the library would not see it`);
    }
    ensureTokenDirectory();
    execFileSync("softhsm2-util", ["--init-token", "--free", "--label", label, "--so-pin", SO_PIN, "--pin", USER_PIN], {
      stdio: "ignore",
      env: process.env,
    });
    created.add(label);
  }
  return { modulePath, token: { label }, pin: USER_PIN };
}
