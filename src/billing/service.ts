/**
 * Changes to an organisation's billing account, over the command bus: the tier and credit grants (operators
 * only: the CLI on this machine's stores, or the admin routes), and the overage method (the organisation).
 */
import { randomUUID } from "node:crypto";
import { billingAggregate, type BillingActor, type OverageMethod } from "../../commands/billing.js";
import { NotFound } from "../../commands/errors.js";
import type { Tier } from "../../commands/rules/billing-tiers.js";
import type { CommandBus } from "../app/command-bus.js";
import type { Queryable } from "../db/database.js";
import type { EventMetadata } from "../eventstore/port.js";
import { orgExists } from "./queries.js";

export class OrgNotFoundForBilling extends NotFound {
  constructor(orgId: string) {
    super(`organisation ${orgId} not found`);
    this.name = "OrgNotFoundForBilling";
  }
}

interface BillingDeps {
  bus: CommandBus;
  db: Queryable;
}

async function ensureOrg(db: Queryable, orgId: string): Promise<void> {
  if (!(await orgExists(db, orgId))) throw new OrgNotFoundForBilling(orgId);
}

export async function setBillingTier(deps: BillingDeps, orgId: string, tier: Tier, durationDays: number | null,
  by: BillingActor, metadata: EventMetadata) {
  await ensureOrg(deps.db, orgId);
  const { state } = await deps.bus.handle(billingAggregate, orgId, { type: "SetBillingTier", orgId, tier, durationDays, by }, { metadata });
  return state.tier!;
}

export async function setOverageMethod(deps: BillingDeps, orgId: string, method: OverageMethod, by: BillingActor,
  metadata: EventMetadata): Promise<OverageMethod> {
  const { state } = await deps.bus.handle(billingAggregate, orgId, { type: "SetOverageMethod", orgId, method, by }, { metadata });
  return state.overageMethod;
}

export async function grantCredits(deps: BillingDeps, orgId: string, amountMicroUsd: number, description: string,
  by: BillingActor, metadata: EventMetadata): Promise<{ grantId: string; expiresAt: string; balanceAfterMicroUsd: number }> {
  await ensureOrg(deps.db, orgId);
  const grantId = randomUUID();
  const { events } = await deps.bus.handle(billingAggregate, orgId,
    { type: "GrantCredits", orgId, grantId, amountMicroUsd, description, by }, { metadata });
  const granted = events.find((e) => e.type === "CreditsGranted");
  if (granted?.type !== "CreditsGranted") throw new Error("a credit grant recorded no CreditsGranted");
  return { grantId, expiresAt: granted.data.expires_at, balanceAfterMicroUsd: granted.data.balance_after_micro_usd };
}
