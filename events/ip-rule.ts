/**
 * An organisation's IP rules: one stream per organisation (`ip_rules-<org uuid>`), so that a decision sees
 * the whole rule set it changes (duplicates, the cap, and whether the change would lock out its author).
 */
import { z } from "zod";
import { defineEvent, eventReader, type EventsOf } from "./define.js";

export const IpRuleCreated = defineEvent("IpRuleCreated", z.object({
  rule_id: z.uuid(),
  org_id: z.uuid(),
  rule_type: z.enum(["allow", "deny"]),
  /** Canonical form: network address and prefix length, IPv4-mapped blocks written as IPv4. */
  cidr: z.string(),
  label: z.string().optional(),
  applies_to: z.string().optional(),
  created_by: z.uuid(),
}));

export const IpRuleDeleted = defineEvent("IpRuleDeleted", z.object({
  rule_id: z.uuid(),
  org_id: z.uuid(),
  deleted_by: z.uuid(),
}));

export const ipRuleEvents = [IpRuleCreated, IpRuleDeleted] as const;
export type IpRuleEvent = EventsOf<typeof ipRuleEvents>;
export const readIpRuleEvent = eventReader(ipRuleEvents);
