/** Looking for a customer key everywhere we store things: every table of the database, as text. */
import type { Queryable } from "../../src/db/database.js";
import { toBase64 } from "../../src/sdk/cmek.js";

/** The forms a key could leak in: base64 (as posted), base64url, hex, and a long stretch of its base64. */
export function keyTraces(keys: Uint8Array[]): string[] {
  return keys.flatMap((key) => {
    const base64 = toBase64(key);
    const hex = Buffer.from(key).toString("hex");
    return [base64, Buffer.from(key).toString("base64url"), hex, base64.slice(0, 24)];
  });
}

/** Each row of each table (outside the catalogues) as JSON text. */
export async function tableTexts(db: Queryable): Promise<string[]> {
  const { rows: tables } = await db.query<{ schema: string; name: string }>(
    `select table_schema as schema, table_name as name from information_schema.tables
      where table_schema not in ('pg_catalog', 'information_schema') and table_type = 'BASE TABLE'`);
  const texts: string[] = [];
  for (const { schema, name } of tables) {
    const { rows } = await db.query<{ t: string }>(`select row_to_json(r)::text as t from "${schema}"."${name}" r`);
    texts.push(...rows.map((row) => row.t));
  }
  return texts;
}
