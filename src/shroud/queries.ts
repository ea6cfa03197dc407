/** Reads of the shroud_calls read model: the activity list and the threat summary of an organisation. */
import type { Queryable } from "../db/database.js";
import { rowDate, rowJson } from "../db/rows.js";
import type { Finding } from "./inspect.js";

export interface ShroudCallRow {
  call_id: string;
  org_id: string;
  agent_id: string;
  provider: string;
  model: string;
  route: string;
  action: "allowed" | "blocked" | "warned";
  status: number;
  streamed: boolean;
  request_tokens: number;
  response_tokens: number;
  cost_micro_usd: string | number;
  latency_ms: number;
  secrets_redacted: number;
  pii_detected: string[] | string;
  injection_score: number;
  context_injection_score: number;
  response_injection_score: number;
  response_context_injection_score: number;
  findings: Finding[] | string;
  policy_violations: string[] | string;
  external_urls_flagged: number;
  unexpected_code_blocks: boolean;
  content_filtered: boolean;
  occurred_at: Date | string;
  agent_name?: string | null;
}

export interface ShroudCall extends Omit<ShroudCallRow, "pii_detected" | "findings" | "policy_violations" | "occurred_at" | "cost_micro_usd"> {
  pii_detected: string[];
  findings: Finding[];
  policy_violations: string[];
  cost_micro_usd: number;
  occurred_at: Date;
}

function toCall(row: ShroudCallRow): ShroudCall {
  return { ...row, pii_detected: rowJson(row.pii_detected), findings: rowJson(row.findings),
    policy_violations: rowJson(row.policy_violations), cost_micro_usd: Number(row.cost_micro_usd), occurred_at: rowDate(row.occurred_at),
    injection_score: Number(row.injection_score), context_injection_score: Number(row.context_injection_score),
    response_injection_score: Number(row.response_injection_score),
    response_context_injection_score: Number(row.response_context_injection_score) };
}

export async function listShroudCalls(db: Queryable, orgId: string,
  filter: { agentId?: string; action?: string; limit: number; offset: number }): Promise<{ calls: ShroudCall[]; total: number }> {
  const where = `org_id = $1 and ($2::uuid is null or agent_id = $2::uuid) and ($3::text is null or action = $3::text)`;
  const params = [orgId, filter.agentId ?? null, filter.action ?? null];
  const { rows } = await db.query<ShroudCallRow>(
    `select * from shroud_calls where ${where} order by occurred_at desc, call_id limit $4 offset $5`,
    [...params, filter.limit, filter.offset]);
  const count = await db.query<{ total: string | number }>(`select count(*) as total from shroud_calls where ${where}`, params);
  return { calls: rows.map(toCall), total: Number(count.rows[0].total) };
}

/** Calls of the organisation from `since` (inclusive) to `until` (exclusive), with their agent's name. */
export async function shroudCallsBetween(db: Queryable, orgId: string, since: Date, until: Date): Promise<ShroudCall[]> {
  const { rows } = await db.query<ShroudCallRow>(
    `select c.*, a.name as agent_name from shroud_calls c left join agents a on a.id = c.agent_id
     where c.org_id = $1 and c.occurred_at >= $2 and c.occurred_at < $3 order by c.occurred_at desc`,
    [orgId, since, until]);
  return rows.map(toCall);
}

export async function countShroudCallsBetween(db: Queryable, orgId: string, since: Date, until: Date): Promise<number> {
  const { rows } = await db.query<{ total: string | number }>(
    `select count(*) as total from shroud_calls where org_id = $1 and occurred_at >= $2 and occurred_at < $3`, [orgId, since, until]);
  return Number(rows[0].total);
}
