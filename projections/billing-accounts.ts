/**
 * Billing accounts as the API and the usage meter read them: the tier an operator set (absent: the install's
 * default), the overage method, the credit grants with what is left of each (the balance at a given time is
 * the sum of the grants not yet expired then), and the ledger of every grant, debit and expiry.
 */
import { BillingTierSet, CreditsDebited, CreditsExpired, CreditsGranted, OverageMethodSet } from "../events/billing.js";
import { occurredAt } from "../events/recorded.js";
import { on, projection } from "./projection.js";

export const billingAccountsProjection = projection({
  name: "billing_accounts",
  version: 1,
  tables: ["billing_accounts", "credit_grants", "credit_ledger"],
  schema: `
    create table billing_accounts (
      org_id uuid primary key,
      tier text,
      period_end timestamptz,
      overage_method text not null default 'credits',
      updated_at timestamptz not null
    );
    create table credit_grants (
      grant_id uuid primary key,
      org_id uuid not null,
      amount_micro_usd bigint not null,
      remaining_micro_usd bigint not null,
      expires_at timestamptz not null,
      granted_at timestamptz not null
    );
    create index credit_grants_by_org on credit_grants (org_id, expires_at);
    create table credit_ledger (
      id uuid primary key,
      org_id uuid not null,
      type text not null check (type in ('topup', 'usage', 'expiry')),
      amount_micro_usd bigint not null,
      balance_after_micro_usd bigint not null,
      description text not null,
      created_at timestamptz not null
    );
    create index credit_ledger_by_org on credit_ledger (org_id, created_at desc);
  `,
  handlers: [
    on(BillingTierSet, async (event, tx) => {
      const { data } = event;
      await tx.query(
        `insert into billing_accounts (org_id, tier, period_end, updated_at) values ($1, $2, $3, $4)
         on conflict (org_id) do update set tier = excluded.tier, period_end = excluded.period_end, updated_at = excluded.updated_at`,
        [data.org_id, data.tier, data.period_end, occurredAt(event)]);
    }),
    on(OverageMethodSet, async (event, tx) => {
      const { data } = event;
      await tx.query(
        `insert into billing_accounts (org_id, overage_method, updated_at) values ($1, $2, $3)
         on conflict (org_id) do update set overage_method = excluded.overage_method, updated_at = excluded.updated_at`,
        [data.org_id, data.method, occurredAt(event)]);
    }),
    on(CreditsGranted, async (event, tx) => {
      const { data } = event;
      await tx.query(
        `insert into credit_grants (grant_id, org_id, amount_micro_usd, remaining_micro_usd, expires_at, granted_at)
         values ($1, $2, $3, $3, $4, $5) on conflict (grant_id) do nothing`,
        [data.grant_id, data.org_id, data.amount_micro_usd, data.expires_at, occurredAt(event)]);
      await tx.query(
        `insert into credit_ledger (id, org_id, type, amount_micro_usd, balance_after_micro_usd, description, created_at)
         values ($1, $2, 'topup', $3, $4, $5, $6) on conflict (id) do nothing`,
        [data.grant_id, data.org_id, data.amount_micro_usd, data.balance_after_micro_usd, data.description, occurredAt(event)]);
    }),
    on(CreditsDebited, async (event, tx) => {
      const { data } = event;
      for (const part of data.from_grants) {
        await tx.query(`update credit_grants set remaining_micro_usd = remaining_micro_usd - $2 where grant_id = $1`,
          [part.grant_id, part.amount_micro_usd]);
      }
      await tx.query(
        `insert into credit_ledger (id, org_id, type, amount_micro_usd, balance_after_micro_usd, description, created_at)
         values ($1, $2, 'usage', $3, $4, $5, $6) on conflict (id) do nothing`,
        [data.debit_id, data.org_id, -data.amount_micro_usd, data.balance_after_micro_usd, data.description, occurredAt(event)]);
    }),
    on(CreditsExpired, async (event, tx) => {
      const { data } = event;
      await tx.query(`update credit_grants set remaining_micro_usd = 0 where grant_id = $1`, [data.grant_id]);
      await tx.query(
        `insert into credit_ledger (id, org_id, type, amount_micro_usd, balance_after_micro_usd, description, created_at)
         values ($1, $2, 'expiry', $3, $4, $5, $6) on conflict (id) do nothing`,
        [event.id, data.org_id, -data.amount_micro_usd, data.balance_after_micro_usd,
          `Credits expired on ${data.expired_at.slice(0, 10)}, 12 months after their grant`, occurredAt(event)]);
    }),
  ],
});
