/** The vaults, secrets and agents each organisation holds against its tier's limits (the subscription's meters). */
import { ResourceSlotReleased, ResourceSlotTaken } from "../events/resource-slot.js";
import { on, projection } from "./projection.js";

export const resourceSlotsProjection = projection({
  name: "resource_slots",
  version: 1,
  tables: ["resource_slots"],
  schema: `
    create table resource_slots (
      org_id uuid not null,
      kind text not null,
      resource_id uuid not null,
      primary key (org_id, kind, resource_id)
    );
  `,
  handlers: [
    on(ResourceSlotTaken, async ({ data }, tx) => {
      await tx.query(`insert into resource_slots (org_id, kind, resource_id) values ($1, $2, $3) on conflict do nothing`,
        [data.org_id, data.kind, data.resource_id]);
    }),
    on(ResourceSlotReleased, async ({ data }, tx) => {
      await tx.query(`delete from resource_slots where org_id = $1 and kind = $2 and resource_id = $3`,
        [data.org_id, data.kind, data.resource_id]);
    }),
  ],
});
