/** `keyledger user create`: bootstraps an account without mail; the server then signs it in. */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { PassThrough } from "node:stream";
import { DataDirInUse } from "../../src/app/data-dir-lock.js";
import { startServer } from "../../src/app/server.js";
import { EmailTaken } from "../../commands/email.js";
import { InvalidUserOptions, userCreateCommand } from "../../src/cli/user.js";
import { createLogger } from "../../src/log.js";
import { testConfig, type TestConfig } from "../support/app-config.js";

const bin = new URL("../../bin/keyledger.js", import.meta.url).pathname;

describe("keyledger user create", () => {
  let setup: TestConfig;
  before(async () => { setup = await testConfig("humans-cli"); });
  after(async () => setup?.dispose());

  const quiet = () => new PassThrough();

  it("prints the new user and org ids, and the server signs the user in", async () => {
    const out = new PassThrough();
    let printed = "";
    out.on("data", (chunk) => (printed += chunk));
    const created = await userCreateCommand(setup.config, { email: "Root@Example.test", password: "bootstrap password" }, out);
    expect(printed).to.include(`user_id: ${created.userId}`).and.include(`org_id: ${created.orgId}`).and.include("role: owner");
    let duplicate: unknown;
    await userCreateCommand(setup.config, { email: "root@example.test", password: "bootstrap password" }, quiet())
      .catch((error: unknown) => { duplicate = error; });
    expect(duplicate).to.be.instanceOf(EmailTaken);

    const server = await startServer(setup.config, createLogger({ level: "silent" }));
    try {
      await server.runner.waitFor(await server.store.headPosition(), 10_000);
      const login = await fetch(`${server.url}/v1/auth/token`, { method: "POST", headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: "root@example.test", password: "bootstrap password" }) });
      expect(login.status).to.equal(200);
      const token = (await login.json()).access_token;
      const me = await (await fetch(`${server.url}/v1/auth/me`, { headers: { authorization: `Bearer ${token}` } })).json();
      expect(me).to.include({ id: created.userId, org_id: created.orgId, role: "owner" });

      // While the server runs: the embedded store is locked; PostgreSQL is shared.
      if (setup.config.databaseUrl) {
        const member = await userCreateCommand(setup.config,
          { email: "second@example.test", password: "second password", org: created.orgId, role: "admin" }, quiet());
        expect(member.orgId).to.equal(created.orgId);
      } else {
        let refused: unknown;
        await userCreateCommand(setup.config, { email: "second@example.test", password: "second password" }, quiet())
          .catch((error: unknown) => { refused = error; });
        expect(refused).to.be.instanceOf(DataDirInUse);
      }
    } finally {
      await server.close();
    }
  });

  it("refuses bad options before touching the store", async () => {
    for (const options of [{ email: "nope", password: "long enough" }, { email: "a@b.test", password: "short" },
      { email: "a@b.test", password: "long enough", org: "not-a-uuid" }]) {
      let refused: unknown;
      await userCreateCommand(setup.config, options, quiet()).catch((error: unknown) => { refused = error; });
      expect(refused).to.be.instanceOf(InvalidUserOptions);
    }
  });

  it("is wired into the keyledger binary", () => {
    const run = spawnSync(process.execPath, [bin, "user", "create", "--email", "x@y.test", "--password", "short"],
      { encoding: "utf8", env: { ...process.env, KEYLEDGER_DATA_DIR: setup.config.dataDir, DATABASE_URL: "", PKCS11_MODULE: "", KEY_PROVIDER: "" },
        timeout: 60_000 });
    expect(run.status).to.equal(2);
    expect(run.stderr).to.include("--password must be at least 8 characters");
  });
});
