/**
 * The leak scan (issue 9), run after the other harnesses on the same server: none of the known plaintexts
 * (secret values, passwords, API keys, share passphrases, access tokens) may appear in any row of any table
 * of the server's database, in any line it logged, in any file of its data directory, or in any error body
 * it answered.
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { ServerProcess } from "./server-process.js";

export interface LeakReport {
  needles: number;
  tablesScanned: number;
  rowsScanned: number;
  logBytes: number;
  filesScanned: number;
  errorBodies: number;
  violations: string[];
}

async function filesUnder(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true }).catch(() => []);
  const nested = await Promise.all(entries.map((entry) => {
    const full = path.join(directory, entry.name);
    return entry.isDirectory() ? filesUnder(full) : Promise.resolve(entry.isFile() ? [full] : []);
  }));
  return nested.flat();
}

export async function scanForLeaks(server: ServerProcess, needles: readonly string[], errorBodies: readonly string[]): Promise<LeakReport> {
  const violations: string[] = [];
  const unique = [...new Set(needles.filter((n) => n.length >= 8))];
  const tables = await server.query<{ schema: string; name: string }>(
    `select table_schema as schema, table_name as name from information_schema.tables
      where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')`);
  let rows = 0;
  for (const table of tables) {
    const relation = `"${table.schema}"."${table.name}"`;
    const [count] = await server.query<{ rows: string; hits: string }>(
      `select count(*)::text as rows,
              count(*) filter (where exists (select 1 from unnest($1::text[]) n where position(n in t::text) > 0))::text as hits
         from ${relation} t`, [unique]);
    rows += Number(count.rows);
    if (Number(count.hits) > 0) violations.push(`table ${relation}: ${count.hits} rows hold a known plaintext`);
  }
  const logs = server.logs();
  for (const needle of unique) if (logs.includes(needle)) violations.push(`the server's log holds a known plaintext (${needle.slice(0, 6)}...)`);
  const files = await filesUnder(server.dataDir);
  for (const file of files) {
    const text = (await readFile(file).catch(() => Buffer.alloc(0))).toString("latin1");
    const utf8 = Buffer.from(text, "latin1").toString("utf8");
    if (unique.some((n) => text.includes(n) || utf8.includes(n))) violations.push(`file ${path.relative(server.dataDir, file)} holds a known plaintext`);
  }
  let leakingBodies = 0;
  for (const body of errorBodies) if (unique.some((n) => body.includes(n))) leakingBodies++;
  if (leakingBodies > 0) violations.push(`${leakingBodies} error bodies hold a known plaintext`);
  return { needles: unique.length, tablesScanned: tables.length, rowsScanned: rows, logBytes: logs.length,
    filesScanned: files.length, errorBodies: errorBodies.length, violations };
}
