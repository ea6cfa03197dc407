/**
 * Who read which secret when: one row per value returned to a caller (SecretValueRead), indexed by secret
 * path and time for "who did read it between T1 and T2". Names and ids only; never a value.
 */
import { SecretValueRead } from "../events/secret.js";
import { occurredAt } from "../events/recorded.js";
import { on, projection } from "./projection.js";

export const secretReadsProjection = projection({
  name: "secret_reads",
  version: 1,
  tables: ["secret_reads"],
  schema: `
    create table secret_reads (
      event_id uuid primary key,
      secret_id uuid not null,
      vault_id uuid not null,
      org_id uuid not null,
      path text not null,
      version int not null,
      reader_type text not null,
      reader_id uuid not null,
      policy_id uuid,
      read_at timestamptz not null
    );
    create index secret_reads_path_time on secret_reads (vault_id, path, read_at);`,
  handlers: [
    on(SecretValueRead, async (event, tx) => {
      const d = event.data;
      await tx.query(
        `insert into secret_reads (event_id, secret_id, vault_id, org_id, path, version, reader_type, reader_id,
           policy_id, read_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [event.id, d.secret_id, d.vault_id, d.org_id, d.path, d.version, d.reader.type, d.reader.id, d.policy_id ?? null,
          occurredAt(event)]);
    }),
  ],
});
