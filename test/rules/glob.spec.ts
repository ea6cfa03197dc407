/** Policy path patterns: `*` stays inside one segment, `**` spans any number of segments. */
import { expect } from "chai";
import { InvalidPathPattern, pathMatches, validatePattern } from "../../commands/rules/glob.js";

describe("policy path patterns", () => {
  const cases: Array<[pattern: string, path: string, matches: boolean]> = [
    ["api-keys/*", "api-keys/stripe", true],
    ["api-keys/*", "api-keys/a/b", false],
    ["api-keys/*", "api-keys", false],
    ["api-keys/*", "other/stripe", false],
    ["api-keys/stripe", "api-keys/stripe", true],
    ["api-keys/stripe", "api-keys/stripe2", false],
    ["api-keys/stripe", "API-KEYS/stripe", false],
    ["db/**", "db/prod/password", true],
    ["db/**", "db/x", true],
    ["db/**", "db", true],
    ["db/**", "dbx/y", false],
    ["**", "anything/at/all", true],
    ["**", "one", true],
    ["*", "one", true],
    ["*", "one/two", false],
    ["config/**/db", "config/db", true],
    ["config/**/db", "config/prod/eu/db", true],
    ["config/**/db", "config/prod/eu/dbx", false],
    ["**/password", "a/b/password", true],
    ["**/password", "password", true],
    ["**/password", "a/password/b", false],
    ["api-*", "api-keys", true],
    ["api-*", "api-", true],
    ["api-*", "api/keys", false],
    ["*-prod/*", "db-prod/url", true],
    ["a*b*c", "abc", true],
    ["a*b*c", "aXbYbZc", true],
    ["a*b*c", "acb", false],
    ["a*a", "a", false],
    ["a.b/c", "aXb/c", false],
    ["(x)+/[y]", "(x)+/[y]", true],
  ];
  for (const [pattern, path, matches] of cases) {
    it(`${matches ? "matches" : "does not match"} ${path} with ${pattern}`, () => {
      expect(pathMatches(pattern, path)).to.equal(matches);
    });
  }

  it("refuses malformed patterns", () => {
    for (const bad of ["", "/a", "a/", "a//b", "a/./b", "../a", "a**", "**b/c", "a/\u0000", "x".repeat(513), "*".repeat(9)]) {
      expect(() => validatePattern(bad), JSON.stringify(bad)).to.throw(InvalidPathPattern);
      expect(pathMatches(bad, "a/b")).to.equal(false);
    }
  });

  it("matches long adversarial inputs quickly (no exponential backtracking)", () => {
    const pattern = Array.from({ length: 40 }, () => "**").join("/") + "/z";
    const path = Array.from({ length: 200 }, () => "a").join("/");
    expect(pathMatches(pattern, path)).to.equal(false);
    expect(pathMatches("*a*a*a*a*a*a*a*b", "a".repeat(500))).to.equal(false);
  });
});
