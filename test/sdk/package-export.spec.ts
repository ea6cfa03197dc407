/**
 * `keyledger/sdk` as a user gets it: the package's `exports` entry resolves to the compiled module and its
 * declarations (`npm run build` emits both; the test hook has just run it), in a plain node process.
 */
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

const root = process.cwd();

describe("the package export keyledger/sdk", () => {
  it("points at files the build emits", () => {
    const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
    const entry = pkg.exports["./sdk"];
    expect(readFileSync(path.join(root, entry.import), "utf8")).to.include("createClient");
    expect(readFileSync(path.join(root, entry.types), "utf8")).to.include("createClient");
  });

  it("loads in plain node (no TypeScript loader) and answers with the resources", () => {
    const script = 'const sdk = await import("keyledger/sdk"); const c = sdk.createClient({ baseUrl: "http://127.0.0.1:9" });' +
      ' console.log(JSON.stringify([typeof sdk.AgentsResource.enroll, Object.keys(c).sort()]));';
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: root, encoding: "utf8" });
    const [enroll, resources] = JSON.parse(out);
    expect(enroll).to.equal("function");
    expect(resources).to.include.members(["vaults", "vault", "secrets", "agents", "access", "sharing", "audit", "apiKeys",
      "auth", "chains", "org", "billing"]);
  });

  it("types a consumer's code through the export", function () {
    this.timeout(120_000);
    const dir = mkdtempSync(path.join(root, "node_modules", ".sdk-consumer-"));
    try {
      writeFileSync(path.join(dir, "consumer.ts"), [
        'import { createClient, type OneclawResponse, type SecretResponse } from "keyledger/sdk";',
        'const client = createClient({ baseUrl: "http://localhost:8080", apiKey: "ocv_x" });',
        'const answer: OneclawResponse<SecretResponse> = await client.secrets.get("v", "api-keys/stripe");',
        "const value: string | undefined = answer.data?.value;",
        "// @ts-expect-error: a secret's value is a string",
        "const wrong: number | undefined = answer.data?.value;",
        "export { value, wrong };",
      ].join("\n"));
      writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({
        compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true,
          skipLibCheck: false, types: [] },
        files: ["consumer.ts"],
      }));
      execFileSync(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "-p", dir], { cwd: dir, encoding: "utf8" });
    } catch (error) {
      throw new Error(String((error as { stdout?: string }).stdout ?? error));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
