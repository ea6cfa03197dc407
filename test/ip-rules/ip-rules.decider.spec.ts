import { randomUUID } from "node:crypto";
import {
  IpRuleAlreadyExists, IpRuleLimitReached, IpRuleNotFound, IpRuleWouldLockOutCaller, MAX_IP_RULES_PER_ORG,
  ipRulesDecider, type IpRulesCommand,
} from "../../commands/ip-rules.js";
import { IpRuleCreated, IpRuleDeleted } from "../../events/ip-rule.js";
import { InvalidCidr } from "../../commands/rules/cidr.js";
import { specFor } from "../support/decider.js";

const { given } = specFor(ipRulesDecider);
type CreateIpRule = Extract<IpRulesCommand, { type: "CreateIpRule" }>;
const orgId = randomUUID();
const adminId = randomUUID();
const ruleA = randomUUID();
const ruleB = randomUUID();

const created = (ruleId: string, ruleType: "allow" | "deny", cidr: string) =>
  IpRuleCreated.of({ rule_id: ruleId, org_id: orgId, rule_type: ruleType, cidr, created_by: adminId });
const deleted = (ruleId: string) => IpRuleDeleted.of({ rule_id: ruleId, org_id: orgId, deleted_by: adminId });
const create = (ruleId: string, ruleType: "allow" | "deny", cidr: string, callerIp = "192.0.2.1"): CreateIpRule =>
  ({ type: "CreateIpRule", ruleId, orgId, ruleType, cidr, createdBy: adminId, callerIp });
const remove = (ruleId: string, callerIp = "192.0.2.1"): IpRulesCommand =>
  ({ type: "DeleteIpRule", ruleId, orgId, deletedBy: adminId, callerIp });

describe("IP rules decider", () => {
  it("records a new rule in canonical form, with its label and applies_to", () =>
    given().when({ ...create(ruleA, "allow", "::ffff:10.0.0.0/104", "10.1.2.3"), label: "office", appliesTo: "all" })
      .then(IpRuleCreated.of({ rule_id: ruleA, org_id: orgId, rule_type: "allow", cidr: "10.0.0.0/8", label: "office",
        applies_to: "all", created_by: adminId })));

  it("refuses a block that does not parse", () =>
    given().when(create(ruleA, "deny", "10.0.0.1/8")).thenThrows(InvalidCidr));

  it("refuses the same rule twice, however it is written", () =>
    given(created(ruleA, "deny", "203.0.113.0/24")).when(create(ruleB, "deny", "::ffff:203.0.113.0/120"))
      .thenThrows(IpRuleAlreadyExists));

  it("accepts the same block again once the first rule is deleted", () =>
    given(created(ruleA, "deny", "203.0.113.0/24"), deleted(ruleA)).when(create(ruleB, "deny", "203.0.113.0/24"))
      .then(created(ruleB, "deny", "203.0.113.0/24")));

  it("caps the rules of one organisation", () => {
    const full = Array.from({ length: MAX_IP_RULES_PER_ORG }, (_, i) => created(randomUUID(), "deny", `10.0.${i}.0/24`));
    given(...full).when(create(ruleA, "deny", "192.0.2.0/24")).thenThrows(IpRuleLimitReached);
  });

  it("refuses a deny rule that covers the caller's own address", () =>
    given().when(create(ruleA, "deny", "198.51.100.0/24", "198.51.100.9")).thenThrows(IpRuleWouldLockOutCaller));

  it("refuses a first allow rule that leaves the caller out, and accepts one that includes them", () => {
    given().when(create(ruleA, "allow", "10.0.0.0/8", "::ffff:192.0.2.1")).thenThrows(IpRuleWouldLockOutCaller);
    given().when(create(ruleA, "allow", "192.0.2.0/24", "::ffff:192.0.2.1")).then(created(ruleA, "allow", "192.0.2.0/24"));
  });

  it("deletes a rule, unless it is the allow rule the caller is let in by", () => {
    given(created(ruleA, "allow", "192.0.2.0/24"), created(ruleB, "allow", "10.0.0.0/8"))
      .when(remove(ruleA, "192.0.2.1")).thenThrows(IpRuleWouldLockOutCaller);
    given(created(ruleA, "allow", "192.0.2.0/24"), created(ruleB, "allow", "10.0.0.0/8"))
      .when(remove(ruleB, "192.0.2.1")).then(deleted(ruleB));
  });

  it("refuses to delete a rule it does not hold (absent, already deleted, or another organisation's)", () => {
    given().when(remove(ruleA)).thenThrows(IpRuleNotFound);
    given(created(ruleA, "deny", "192.0.2.0/24"), deleted(ruleA)).when(remove(ruleA)).thenThrows(IpRuleNotFound);
  });
});
