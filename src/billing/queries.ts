/**
 * Reads of the billing read models: the account (tier in force, overage method), the credit balance at a
 * given time (grants not yet expired then), the ledger, the month's usage, and the resource meters.
 */
import { effectiveTier, isTier, usageMonth, type ResourceKind, type Tier } from "../../commands/rules/billing-tiers.js";
import type { OverageMethod } from "../../commands/billing.js";
import type { Queryable } from "../db/database.js";
import { rowDate, rowOptionalDate } from "../db/rows.js";

export interface BillingAccount {
  tier: Tier;
  /** The tier an operator set and until when; absent when the organisation is on the install's default. */
  set?: { tier: Tier; periodEnd: Date | null };
  overageMethod: OverageMethod;
}

/** bigint columns come back as text from `pg` and as numbers from PGlite. */
const num = (value: unknown): number => Number(value ?? 0);

export async function findBillingAccount(db: Queryable, orgId: string, defaultTier: Tier, now: Date): Promise<BillingAccount> {
  const { rows } = await db.query<{ tier: string | null; period_end: Date | string | null; overage_method: OverageMethod }>(
    `select tier, period_end, overage_method from billing_accounts where org_id = $1`, [orgId]);
  const row = rows[0];
  const set = row?.tier && isTier(row.tier) ? { tier: row.tier, periodEnd: rowOptionalDate(row.period_end) } : undefined;
  return { tier: effectiveTier(set, defaultTier, now), set, overageMethod: row?.overage_method ?? "credits" };
}

export interface CreditBalance {
  balanceMicroUsd: number;
  /** Credits that lapse within `withinDays` of now, and the earliest such expiry. */
  expiring: { amountMicroUsd: number; earliestExpiry: Date | null };
}

export async function creditBalance(db: Queryable, orgId: string, now: Date, withinDays: number): Promise<CreditBalance> {
  const horizon = new Date(now.getTime() + withinDays * 86_400_000);
  const { rows } = await db.query<{ balance: unknown; expiring: unknown; earliest: Date | string | null }>(
    `select coalesce(sum(remaining_micro_usd), 0) as balance,
            coalesce(sum(remaining_micro_usd) filter (where expires_at <= $3), 0) as expiring,
            min(expires_at) filter (where expires_at <= $3) as earliest
       from credit_grants where org_id = $1 and expires_at > $2 and remaining_micro_usd > 0`, [orgId, now, horizon]);
  const row = rows[0];
  return {
    balanceMicroUsd: num(row?.balance),
    expiring: { amountMicroUsd: num(row?.expiring), earliestExpiry: rowOptionalDate(row?.earliest ?? null) },
  };
}

export interface LedgerEntry {
  id: string;
  type: "topup" | "usage" | "expiry";
  amountMicroUsd: number;
  balanceAfterMicroUsd: number;
  description: string;
  createdAt: Date;
}

export async function creditLedger(db: Queryable, orgId: string, page: number, limit: number): Promise<LedgerEntry[]> {
  const { rows } = await db.query<{ id: string; type: LedgerEntry["type"]; amount_micro_usd: unknown; balance_after_micro_usd: unknown;
    description: string; created_at: Date | string }>(
    `select id, type, amount_micro_usd, balance_after_micro_usd, description, created_at from credit_ledger
      where org_id = $1 order by created_at desc, id limit $2 offset $3`, [orgId, limit, (page - 1) * limit]);
  return rows.map((row) => ({
    id: row.id, type: row.type, amountMicroUsd: num(row.amount_micro_usd), balanceAfterMicroUsd: num(row.balance_after_micro_usd),
    description: row.description, createdAt: rowDate(row.created_at),
  }));
}

export interface MonthUsage {
  totalRequests: number;
  paidRequests: number;
  costMicroUsd: number;
}

export async function monthUsage(db: Queryable, orgId: string, now: Date): Promise<MonthUsage> {
  const { rows } = await db.query<{ total_requests: unknown; paid_requests: unknown; cost_micro_usd: unknown }>(
    `select total_requests, paid_requests, cost_micro_usd from usage_months where org_id = $1 and month = $2`, [orgId, usageMonth(now)]);
  const row = rows[0];
  return { totalRequests: num(row?.total_requests), paidRequests: num(row?.paid_requests), costMicroUsd: num(row?.cost_micro_usd) };
}

export interface UsageRecord {
  id: string;
  principalType: string;
  principalId: string;
  method: string;
  endpoint: string;
  statusCode: number;
  priceMicroUsd: number;
  isPaid: boolean;
  createdAt: Date;
}

export async function usageHistory(db: Queryable, orgId: string, limit: number): Promise<UsageRecord[]> {
  const { rows } = await db.query<{ id: string; principal_type: string; principal_id: string; method: string; endpoint: string;
    status_code: number; price_micro_usd: unknown; is_paid: boolean; created_at: Date | string }>(
    `select id, principal_type, principal_id, method, endpoint, status_code, price_micro_usd, is_paid, created_at
       from usage_events where org_id = $1 order by created_at desc, id limit $2`, [orgId, limit]);
  return rows.map((row) => ({
    id: row.id, principalType: row.principal_type, principalId: row.principal_id, method: row.method, endpoint: row.endpoint,
    statusCode: row.status_code, priceMicroUsd: num(row.price_micro_usd), isPaid: row.is_paid, createdAt: rowDate(row.created_at),
  }));
}

export async function resourceCounts(db: Queryable, orgId: string): Promise<Record<ResourceKind, number>> {
  const { rows } = await db.query<{ kind: ResourceKind; n: unknown }>(
    `select kind, count(*) as n from resource_slots where org_id = $1 group by kind`, [orgId]);
  const counts: Record<ResourceKind, number> = { vault: 0, secret: 0, agent: 0 };
  for (const row of rows) counts[row.kind] = num(row.n);
  return counts;
}

export async function orgExists(db: Queryable, orgId: string): Promise<boolean> {
  const { rows } = await db.query(`select 1 from orgs where id = $1`, [orgId]);
  return rows.length > 0;
}
