import { expect } from "chai";
import { readFileSync } from "node:fs";
import { ENVIRONMENT_VARIABLES } from "../../src/config.js";

describe("README", () => {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

  it("starts with the install+run and install+test commands", () => {
    expect(readme).to.include("npm ci && npm start");
    expect(readme).to.include("npm ci && npm test");
  });

  it("documents every environment variable we read (regenerate with scripts/env-table.ts)", () => {
    const missing = ENVIRONMENT_VARIABLES.filter((v) => !readme.includes(`\`${v.name}\``)).map((v) => v.name);
    expect(missing).to.deep.equal([]);
  });
});
