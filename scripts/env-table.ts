/**
 * Rewrites the README's configuration table from src/config.ts, the one list of variables we read:
 *   node --import tsx scripts/env-table.ts
 */
import { readFile, writeFile } from "node:fs/promises";
import { ENVIRONMENT_VARIABLES } from "../src/config.js";

const readme = new URL("../README.md", import.meta.url);
const rows = ENVIRONMENT_VARIABLES.map((v) => `| \`${v.name}\` | ${v.description} | ${v.default ? `${v.default}` : ""} |`);
const table = ["| variable | what it sets | default |", "| --- | --- | --- |", ...rows].join("\n");
const text = await readFile(readme, "utf8");
const updated = text.replace(/<!-- env:start -->[\s\S]*<!-- env:end -->/, `<!-- env:start -->\n${table}\n<!-- env:end -->`);
await writeFile(readme, updated);
console.log(`README.md: ${rows.length} variables`);
