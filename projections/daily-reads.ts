/** Reporting view: how many secret values each reader (agent or user) was given per UTC day. */
import { SecretValueRead } from "../events/secret.js";
import { occurredAt } from "../events/recorded.js";
import { onRun, projection } from "./projection.js";

/** Rows per statement: 5 parameters each, well under PostgreSQL's 65,535. */
const ROWS_PER_STATEMENT = 1000;

export const dailyReadsProjection = projection({
  name: "daily_reads",
  version: 1,
  tables: ["daily_reads"],
  schema: `
    create table daily_reads (
      org_id uuid not null,
      reader_type text not null,
      reader_id uuid not null,
      day date not null,
      reads bigint not null,
      primary key (reader_type, reader_id, day)
    );
    create index daily_reads_org_day on daily_reads (org_id, day);`,
  handlers: [
    // A run of reads is summed per reader and UTC day first: one upsert for the lot (a multi-row upsert
    // may not touch a row twice), instead of a round trip per read (issue 12).
    onRun(SecretValueRead, async (events, tx) => {
      const counts = new Map<string, unknown[]>();
      for (const event of events) {
        const d = event.data;
        const day = occurredAt(event).toISOString().slice(0, 10);
        const key = `${d.reader.type}/${d.reader.id}/${day}`;
        const row = counts.get(key);
        if (row) row[4] = (row[4] as number) + 1;
        else counts.set(key, [d.org_id, d.reader.type, d.reader.id, day, 1]);
      }
      const rows = [...counts.values()];
      for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
        const chunk = rows.slice(start, start + ROWS_PER_STATEMENT);
        await tx.query(
          `insert into daily_reads (org_id, reader_type, reader_id, day, reads)
           values ${chunk.map((_, i) => `($${i * 5 + 1}, $${i * 5 + 2}, $${i * 5 + 3}, $${i * 5 + 4}::date, $${i * 5 + 5})`).join(", ")}
           on conflict (reader_type, reader_id, day) do update set reads = daily_reads.reads + excluded.reads`,
          chunk.flat());
      }
    }),
  ],
});
