/**
 * An organisation's IP allow/deny rules. Besides validating the block, a change is refused when it would
 * deny the address its author is calling from: an admin must not be able to lock the whole organisation
 * out with one request (they can still narrow access from an address that stays allowed).
 */
import { IpRuleCreated, IpRuleDeleted, readIpRuleEvent, type IpRuleEvent } from "../events/ip-rule.js";
import { defineAggregate } from "./aggregate.js";
import type { Decider } from "./decider.js";
import { Conflict, NotFound } from "./errors.js";
import { formatCidr, parseCidr, parseIp, rulesAllow, type AccessRule } from "./rules/cidr.js";

/** Every authenticated request is matched against its organisation's rules: keep the set small. */
export const MAX_IP_RULES_PER_ORG = 100;

export interface IpRuleEntry {
  ruleId: string;
  ruleType: "allow" | "deny";
  /** Canonical CIDR text, as recorded. */
  cidr: string;
}

export interface IpRulesState {
  rules: readonly IpRuleEntry[];
}

export type IpRulesCommand =
  | {
      type: "CreateIpRule";
      ruleId: string;
      orgId: string;
      ruleType: "allow" | "deny";
      /** As the client wrote it; the decider canonicalises it. */
      cidr: string;
      label?: string;
      appliesTo?: string;
      createdBy: string;
      /** The author's address: the change must leave it allowed. */
      callerIp: string;
    }
  | { type: "DeleteIpRule"; ruleId: string; orgId: string; deletedBy: string; callerIp: string };

export class IpRuleNotFound extends NotFound {
  constructor(readonly ruleId: string) {
    super(`IP rule ${ruleId} not found`, { detail: "IP rule not found" });
    this.name = "IpRuleNotFound";
  }
}

export class IpRuleAlreadyExists extends Conflict {
  constructor(readonly ruleType: string, readonly cidr: string) {
    super(`an ${ruleType} rule for ${cidr} already exists`);
    this.name = "IpRuleAlreadyExists";
  }
}

/** A fixed bound of the install (every request is matched against the set), not a tier limit: 409, as before. */
export class IpRuleLimitReached extends Conflict {
  constructor() {
    super(`an organisation can have at most ${MAX_IP_RULES_PER_ORG} IP rules`);
    this.name = "IpRuleLimitReached";
  }
}

export class IpRuleWouldLockOutCaller extends Conflict {
  constructor() {
    super("this change would deny the address you are calling from; make it from an address that stays allowed");
    this.name = "IpRuleWouldLockOutCaller";
  }
}

function accessRules(rules: readonly IpRuleEntry[]): AccessRule[] {
  return rules.map((rule) => ({ ruleType: rule.ruleType, cidr: parseCidr(rule.cidr) }));
}

/** An address that does not parse could not pass the rules either: refuse any rule set then. */
function refuseLockout(rulesAfter: readonly IpRuleEntry[], callerIp: string): void {
  const caller = parseIp(callerIp);
  if (rulesAfter.length > 0 && !(caller && rulesAllow(accessRules(rulesAfter), caller))) throw new IpRuleWouldLockOutCaller();
}

export const ipRulesDecider: Decider<IpRulesCommand, IpRulesState, IpRuleEvent> = {
  initialState: { rules: [] },
  evolve(state, event) {
    switch (event.type) {
      case "IpRuleCreated":
        return { rules: [...state.rules, { ruleId: event.data.rule_id, ruleType: event.data.rule_type, cidr: event.data.cidr }] };
      case "IpRuleDeleted":
        return { rules: state.rules.filter((rule) => rule.ruleId !== event.data.rule_id) };
      default:
        return state;
    }
  },
  decide(command, state) {
    switch (command.type) {
      case "CreateIpRule": {
        const cidr = formatCidr(parseCidr(command.cidr));
        if (state.rules.some((rule) => rule.ruleType === command.ruleType && rule.cidr === cidr)) {
          throw new IpRuleAlreadyExists(command.ruleType, cidr);
        }
        if (state.rules.length >= MAX_IP_RULES_PER_ORG) throw new IpRuleLimitReached();
        refuseLockout([...state.rules, { ruleId: command.ruleId, ruleType: command.ruleType, cidr }], command.callerIp);
        return [IpRuleCreated.of({
          rule_id: command.ruleId, org_id: command.orgId, rule_type: command.ruleType, cidr,
          created_by: command.createdBy,
          ...(command.label !== undefined && { label: command.label }),
          ...(command.appliesTo !== undefined && { applies_to: command.appliesTo }),
        })];
      }
      case "DeleteIpRule": {
        if (!state.rules.some((rule) => rule.ruleId === command.ruleId)) throw new IpRuleNotFound(command.ruleId);
        refuseLockout(state.rules.filter((rule) => rule.ruleId !== command.ruleId), command.callerIp);
        return [IpRuleDeleted.of({ rule_id: command.ruleId, org_id: command.orgId, deleted_by: command.deletedBy })];
      }
    }
  },
};

export const ipRulesAggregate = defineAggregate("ip_rules", ipRulesDecider, readIpRuleEvent);
