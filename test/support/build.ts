/**
 * Mocha root hook: compiles src/ to dist/ before any test runs, because the tests that spawn the
 * `keyledger` bin run the compiled code (bin/keyledger.js imports dist/). The build is incremental, so
 * this costs about a second when nothing changed, and `npx mocha test/one.spec.ts` never runs a stale bin.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const tsc = fileURLToPath(new URL("../../node_modules/typescript/bin/tsc", import.meta.url));

export const mochaHooks = {
  beforeAll(this: Mocha.Context) {
    this.timeout(300_000);
    try {
      execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: root, stdio: "pipe", encoding: "utf8" });
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string };
      throw new Error(`the build (tsc -p tsconfig.build.json) failed:\n${stdout ?? ""}${stderr ?? ""}`);
    }
  },
};
