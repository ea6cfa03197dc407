/**
 * Monthly request counts per organisation (what the quota is checked against after a restart) and the
 * counted requests themselves (`GET /v1/billing/history`).
 */
import { RequestsCounted } from "../events/usage.js";
import { on, projection } from "./projection.js";

export const usageProjection = projection({
  name: "usage",
  version: 1,
  tables: ["usage_months", "usage_events"],
  schema: `
    create table usage_months (
      org_id uuid not null,
      month text not null,
      total_requests bigint not null,
      paid_requests bigint not null,
      cost_micro_usd bigint not null,
      primary key (org_id, month)
    );
    create table usage_events (
      id uuid primary key,
      org_id uuid not null,
      principal_type text not null,
      principal_id uuid not null,
      method text not null,
      endpoint text not null,
      status_code int not null,
      price_micro_usd bigint not null,
      is_paid boolean not null,
      created_at timestamptz not null
    );
    create index usage_events_by_org on usage_events (org_id, created_at desc);
  `,
  handlers: [
    on(RequestsCounted, async ({ data }, tx) => {
      const paid = data.requests.filter((r) => r.is_paid);
      await tx.query(
        `insert into usage_months (org_id, month, total_requests, paid_requests, cost_micro_usd) values ($1, $2, $3, $4, $5)
         on conflict (org_id, month) do update set total_requests = usage_months.total_requests + excluded.total_requests,
           paid_requests = usage_months.paid_requests + excluded.paid_requests,
           cost_micro_usd = usage_months.cost_micro_usd + excluded.cost_micro_usd`,
        [data.org_id, data.month, data.requests.length, paid.length, paid.reduce((sum, r) => sum + r.price_micro_usd, 0)]);
      for (const r of data.requests) {
        await tx.query(
          `insert into usage_events (id, org_id, principal_type, principal_id, method, endpoint, status_code, price_micro_usd, is_paid, created_at)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
          [r.id, data.org_id, r.principal_type, r.principal_id, r.method, r.endpoint, r.status_code, r.price_micro_usd, r.is_paid, r.at]);
      }
    }),
  ],
});
