/** The redaction matcher (one pass, many secrets) and the rolling redactor that streams go through. */
import { expect } from "chai";
import { createHash } from "node:crypto";
import { RollingRedactor, SecretMatcher, redactionTag } from "../../src/shroud/redaction/matcher.js";

const tag = (path: string) => `[REDACTED:#${createHash("sha256").update(path).digest("hex").slice(0, 8)}]`;

describe("Shroud redaction matcher", () => {
  const matcher = new SecretMatcher([
    { value: "alpha-secret-1", path: "a/one" }, { value: "secret-1-beta", path: "b/two" }, { value: "ab", path: "c/short" },
    { value: "pg-pass-42", path: "db/password" }, { value: "pg-pass-42", path: "db/copy" },
  ]);

  it("tags a value by the first 8 hex of the SHA-256 of its path", () => expect(redactionTag("db/password")).to.equal(tag("db/password")));

  it("replaces every occurrence of every value in one pass", () => {
    expect(matcher.redact("x pg-pass-42 y pg-pass-42 z ab")).to.deep.equal({
      text: `x ${tag("db/password")} y ${tag("db/password")} z ${tag("c/short")}`, count: 3 });
  });

  it("merges overlapping values so that no part of either survives", () => {
    expect(matcher.redact("[alpha-secret-1-beta]").text).to.equal(`[${tag("a/one")}]`);
  });

  it("leaves text without values unchanged", () => expect(matcher.redact("nothing here")).to.deep.equal({ text: "nothing here", count: 0 }));

  it("an empty matcher matches nothing", () => expect(new SecretMatcher([]).redact("anything")).to.deep.equal({ text: "anything", count: 0 }));

  it("a rolling redactor catches a value split at every possible point", () => {
    const text = "before pg-pass-42 after alpha-secret-1 end";
    const expected = `before ${tag("db/password")} after ${tag("a/one")} end`;
    for (let cut = 0; cut <= text.length; cut++) {
      for (let second = cut; second <= text.length; second += 3) {
        const rolling = new RollingRedactor(matcher);
        const released = [text.slice(0, cut), text.slice(cut, second), text.slice(second)].map((p) => rolling.push(p)).join("") + rolling.flush();
        expect(released, `cut at ${cut}/${second}`).to.equal(expected);
      }
    }
  });

  it("holds back no more than the longest value less one character", () => {
    // The longest value, "alpha-secret-1", has 14 characters: 13 are held.
    const rolling = new RollingRedactor(matcher);
    expect(rolling.push("0123456789abcdefghij")).to.equal("0123456");
    expect(rolling.flush()).to.equal(`789${tag("c/short")}cdefghij`);
  });
});
