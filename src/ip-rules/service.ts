/**
 * IP rules as the rest of the app uses them: the check the authenticator runs on every request, and the
 * commands and queries behind `/v1/security/ip-rules`.
 */
import { ipRulesAggregate, type IpRulesCommand } from "../../commands/ip-rules.js";
import { parseCidr, parseIp, rulesAllow } from "../../commands/rules/cidr.js";
import type { CommandBus } from "../app/command-bus.js";
import type { Queryable } from "../db/database.js";
import { type EventMetadata } from "../eventstore/port.js";

export interface IpRuleRecord {
  id: string;
  orgId: string;
  ruleType: "allow" | "deny";
  cidr: string;
  label?: string;
  appliesTo?: string;
  createdBy: string;
  createdAt: Date;
}

/**
 * Whether the organisation lets a request from `ip` in: no rules, allowed; a matching deny rule wins; with
 * any allow rule the address must match one. An address that does not parse is only let in when there are
 * no rules at all (fail closed).
 */
export async function ipAccessAllowed(db: Queryable, orgId: string, ip: string): Promise<boolean> {
  const { rows } = await db.query<{ rule_type: "allow" | "deny"; cidr: string }>(
    `select rule_type, cidr from ip_rules where org_id = $1`, [orgId]);
  if (rows.length === 0) return true;
  const address = parseIp(ip);
  if (!address) return false;
  return rulesAllow(rows.map((row) => ({ ruleType: row.rule_type, cidr: parseCidr(row.cidr) })), address);
}

interface IpRuleRow {
  id: string;
  org_id: string;
  rule_type: "allow" | "deny";
  cidr: string;
  label: string | null;
  applies_to: string | null;
  created_by: string;
  created_at: Date | string;
}

function toRecord(row: IpRuleRow): IpRuleRecord {
  return {
    id: row.id, orgId: row.org_id, ruleType: row.rule_type, cidr: row.cidr, label: row.label ?? undefined,
    appliesTo: row.applies_to ?? undefined, createdBy: row.created_by, createdAt: new Date(row.created_at),
  };
}

export async function listIpRules(db: Queryable, orgId: string): Promise<IpRuleRecord[]> {
  const { rows } = await db.query<IpRuleRow>(
    `select id, org_id, rule_type, cidr, label, applies_to, created_by, created_at from ip_rules
     where org_id = $1 order by created_at, id`, [orgId]);
  return rows.map(toRecord);
}

export async function findIpRule(db: Queryable, orgId: string, ruleId: string): Promise<IpRuleRecord | undefined> {
  const { rows } = await db.query<IpRuleRow>(
    `select id, org_id, rule_type, cidr, label, applies_to, created_by, created_at from ip_rules
     where org_id = $1 and id = $2`, [orgId, ruleId]);
  return rows[0] && toRecord(rows[0]);
}

/** Appends the change through the bus (which waits for the read model), so the rule applies on return. */
export async function changeIpRules(bus: CommandBus, command: IpRulesCommand, metadata: EventMetadata): Promise<void> {
  await bus.handle(ipRulesAggregate, command.orgId, command, { metadata });
}
