import { expect } from "chai";
import { createLogger } from "../../src/log.js";

describe("logger", () => {
  it("writes JSON lines and redacts credential- and secret-shaped fields", () => {
    const lines: string[] = [];
    const logger = createLogger({ destination: { write: (line: string) => void lines.push(line) } });
    logger.info(
      {
        password: "p1",
        req: { headers: { authorization: "Bearer t1", cookie: "c1" } },
        body: { value: "v1", api_key: "k1", passphrase: "s1" },
        pin: "1234",
        vault_id: "kept",
      },
      "hello",
    );
    const line = JSON.parse(lines[0]);
    expect(line).to.include({ msg: "hello", vault_id: "kept", service: "keyledger" });
    for (const secret of ["p1", "Bearer t1", "c1", "v1", "k1", "s1", "1234"]) expect(lines[0]).not.to.include(`"${secret}"`);
  });

  it("redacts whatever the field's case, inside arrays, without changing the caller's object", () => {
    const lines: string[] = [];
    const logger = createLogger({ destination: { write: (line: string) => void lines.push(line) } });
    const fields = { Password: "p2", headers: { Authorization: "Bearer t2", "X-Shroud-Api-Key": "k2" }, items: [{ token: "t3" }], kept: 1 };
    logger.warn(fields, "again");
    const line = JSON.parse(lines[0]);
    expect(line).to.include({ kept: 1, Password: "[redacted]" });
    expect(line.headers).to.deep.equal({ Authorization: "[redacted]", "X-Shroud-Api-Key": "[redacted]" });
    expect(line.items).to.deep.equal([{ token: "[redacted]" }]);
    expect(fields.headers.Authorization).to.equal("Bearer t2");
    expect(fields.items[0].token).to.equal("t3");
  });

  it("stamps each line with the time it was written, in ISO 8601 UTC, also when lines share a millisecond", async () => {
    const lines: string[] = [];
    const logger = createLogger({ destination: { write: (line: string) => void lines.push(line) } });
    const times = () => lines.map((line) => Date.parse(JSON.parse(line).time as string));
    const before = Date.now();
    logger.info("one");
    logger.info("two");
    await new Promise((resolve) => setTimeout(resolve, 5));
    const between = Date.now();
    logger.info("three");
    const after = Date.now();
    for (const line of lines) expect(JSON.parse(line).time).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const [one, two, three] = times();
    expect(one).to.be.within(before, between);
    expect(two).to.be.within(one, between);
    expect(three).to.be.within(between, after);
  });
});
