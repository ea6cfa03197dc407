/** The IP rules of every organisation, as listed by the API and matched on every authenticated request. */
import { occurredAt } from "../events/recorded.js";
import { IpRuleCreated, IpRuleDeleted } from "../events/ip-rule.js";
import { on, projection } from "./projection.js";

export const ipRulesProjection = projection({
  name: "ip_rules",
  version: 1,
  tables: ["ip_rules"],
  schema: `
    create table ip_rules (
      id uuid primary key,
      org_id uuid not null,
      rule_type text not null check (rule_type in ('allow', 'deny')),
      cidr text not null,
      label text,
      applies_to text,
      created_by uuid not null,
      created_at timestamptz not null
    );
    create index ip_rules_by_org on ip_rules (org_id, created_at);
  `,
  handlers: [
    on(IpRuleCreated, async (event, tx) => {
      const { data } = event;
      await tx.query(
        `insert into ip_rules (id, org_id, rule_type, cidr, label, applies_to, created_by, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict (id) do nothing`,
        [data.rule_id, data.org_id, data.rule_type, data.cidr, data.label ?? null, data.applies_to ?? null,
          data.created_by, occurredAt(event)],
      );
    }),
    on(IpRuleDeleted, async ({ data }, tx) => {
      await tx.query(`delete from ip_rules where id = $1`, [data.rule_id]);
    }),
  ],
});
