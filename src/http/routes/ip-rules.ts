/** `/v1/security/ip-rules`: an organisation's allow/deny CIDRs, managed by its owners and admins. */
import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { Services } from "../../app/services.js";
import { requireRole } from "../../auth/guards.js";
import { requestMetadata } from "../../auth/metadata.js";
import { changeIpRules, findIpRule, listIpRules, type IpRuleRecord } from "../../ip-rules/service.js";
import { defineRoute, type Route } from "../route.js";

export const CreateIpRuleRequest = z.object({
  rule_type: z.enum(["allow", "deny"]),
  cidr: z.string().min(1).max(64),
  label: z.string().max(200).optional(),
  /** Recorded and returned for 1claw compatibility; rules currently apply to every caller of the org. */
  applies_to: z.string().max(64).optional(),
}).meta({ id: "CreateIpRuleRequest" });

export const IpRuleResponse = z.object({
  id: z.uuid(),
  org_id: z.uuid(),
  rule_type: z.enum(["allow", "deny"]),
  cidr: z.string(),
  label: z.string().optional(),
  applies_to: z.string().optional(),
  created_by: z.string(),
  created_at: z.string(),
}).meta({ id: "IpRuleResponse" });

export const IpRulesListResponse = z.object({ rules: z.array(IpRuleResponse) }).meta({ id: "IpRulesListResponse" });

function toResponse(rule: IpRuleRecord): z.input<typeof IpRuleResponse> {
  return {
    id: rule.id, org_id: rule.orgId, rule_type: rule.ruleType, cidr: rule.cidr, label: rule.label,
    applies_to: rule.appliesTo, created_by: rule.createdBy, created_at: rule.createdAt.toISOString(),
  };
}

const ADMINS = ["owner", "admin"] as const;

export function ipRuleRoutes(services: Pick<Services, "db" | "bus">): Route[] {
  const { db, bus } = services;
  return [
    defineRoute({
      method: "GET",
      path: "/v1/security/ip-rules",
      summary: "List IP rules",
      operationId: "listIpRules",
      tags: ["Security"],
      auth: "required",
      responses: { 200: IpRulesListResponse },
    }).handle(async ({ principal }) => {
      const user = requireRole(principal, ...ADMINS);
      return { status: 200, body: { rules: (await listIpRules(db, user.orgId)).map(toResponse) } };
    }),

    defineRoute({
      method: "POST",
      path: "/v1/security/ip-rules",
      summary: "Create an IP rule",
      description: "Allow or deny a CIDR (IPv4 or IPv6; a bare address is a block of one). A deny rule always " +
        "wins; once any allow rule exists, only matching addresses get in. A change that would deny the " +
        "caller's own address is refused (409).",
      operationId: "createIpRule",
      tags: ["Security"],
      auth: "required",
      request: { body: CreateIpRuleRequest },
      responses: { 201: IpRuleResponse },
    }).handle(async ({ body, principal, request }) => {
      const user = requireRole(principal, ...ADMINS);
      const ruleId = randomUUID();
      await changeIpRules(bus, {
        type: "CreateIpRule", ruleId, orgId: user.orgId, ruleType: body.rule_type, cidr: body.cidr,
        label: body.label, appliesTo: body.applies_to, createdBy: user.id, callerIp: request.ip,
      }, requestMetadata(request, user));
      const created = await findIpRule(db, user.orgId, ruleId);
      if (!created) throw new Error(`IP rule ${ruleId} was recorded but the read model does not show it yet`);
      return { status: 201, body: toResponse(created) };
    }),

    defineRoute({
      method: "DELETE",
      path: "/v1/security/ip-rules/{rule_id}",
      summary: "Delete an IP rule",
      operationId: "deleteIpRule",
      tags: ["Security"],
      auth: "required",
      request: { params: z.object({ rule_id: z.uuid() }) },
      responses: { 204: null },
    }).handle(async ({ params, principal, request }) => {
      const user = requireRole(principal, ...ADMINS);
      await changeIpRules(bus, {
        type: "DeleteIpRule", ruleId: params.rule_id.toLowerCase(), orgId: user.orgId, deletedBy: user.id,
        callerIp: request.ip,
      }, requestMetadata(request, user));
      return { status: 204 };
    }),
  ];
}
