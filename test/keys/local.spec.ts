import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { openLocalKeyProvider } from "../../src/keys/local.js";
import type { KeyProvider } from "../../src/keys/port.js";

describe("local key store on disk", () => {
  let directory: string;
  let keys: KeyProvider;

  before(async () => {
    directory = join(mkdtempSync(join(tmpdir(), "keyledger-local-")), "keys");
    keys = await openLocalKeyProvider({ directory });
  });
  after(async () => {
    await keys?.close();
    rmSync(join(directory, ".."), { recursive: true, force: true });
  });

  const keyFiles = () => readdirSync(directory).filter((name) => name !== "master.key");

  it("creates a 256-bit master key readable by its owner only", () => {
    const master = statSync(join(directory, "master.key"));
    expect(master.size).to.equal(32);
    expect(master.mode & 0o777).to.equal(0o600);
    expect(statSync(directory).mode & 0o777).to.equal(0o700);
  });

  it("stores a KEK encrypted, and deletes its file when the KEK is destroyed", async () => {
    const kekId = randomUUID();
    await keys.createKek(kekId);
    const [file] = keyFiles();
    expect(statSync(join(directory, file!)).mode & 0o777).to.equal(0o600);
    expect(readFileSync(join(directory, file!)).length).to.be.greaterThan(32);
    await keys.destroyKek(kekId);
    expect(keyFiles()).to.deep.equal([]);
  });

  it("keeps ids that look like paths inside its directory", async () => {
    const kekId = "../../etc/escape";
    await keys.createKek(kekId);
    expect(keyFiles()).to.have.length(1);
    const wrapped = await keys.wrapDataKey(kekId, randomBytes(32), Buffer.from("c"));
    expect(wrapped.length).to.be.greaterThan(32);
    await keys.destroyKek(kekId);
  });

  it("unwraps with a KEK kept from its file only while the file is there: destroyed by another process, it is gone", async () => {
    // Two providers on one directory, as two processes on one data directory would be.
    const other = await openLocalKeyProvider({ directory });
    try {
      const kekId = randomUUID();
      await keys.createKek(kekId);
      const dataKey = randomBytes(32);
      const context = Buffer.from("binding");
      const wrapped = await keys.wrapDataKey(kekId, dataKey, context);
      for (let i = 0; i < 3; i++) expect(Buffer.from(await keys.unwrapDataKey(kekId, wrapped, context))).to.deep.equal(dataKey);

      await other.destroyKek(kekId);
      let failure: unknown;
      await keys.unwrapDataKey(kekId, wrapped, context).catch((error: unknown) => (failure = error));
      expect(failure).to.be.instanceOf(Error);
      expect((failure as Error).name).to.equal("KeyUnwrapFailed");
    } finally {
      await other.close();
    }
  });
});
