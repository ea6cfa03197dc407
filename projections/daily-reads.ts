/** Reporting view: how many secret values each reader (agent or user) was given per UTC day. */
import { SecretValueRead } from "../events/secret.js";
import { occurredAt } from "../events/recorded.js";
import { on, projection } from "./projection.js";

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
    on(SecretValueRead, async (event, tx) => {
      const d = event.data;
      await tx.query(
        `insert into daily_reads (org_id, reader_type, reader_id, day, reads)
         values ($1, $2, $3, ($4::timestamptz at time zone 'UTC')::date, 1)
         on conflict (reader_type, reader_id, day) do update set reads = daily_reads.reads + 1`,
        [d.org_id, d.reader.type, d.reader.id, occurredAt(event)]);
    }),
  ],
});
