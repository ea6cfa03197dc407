/**
 * Operator commands on this machine's stores: `keyledger org set-tier` and `keyledger credits grant`. They
 * append the same facts as the admin routes, as the operator `cli:<login>`: whoever can open the stores runs
 * the install, so no organisation's credentials are involved. A running server picks the change up within a
 * second (its usage meter rereads accounts once a second).
 */
import { userInfo } from "node:os";
import type { BillingActor } from "../../commands/billing.js";
import { isTier, MICRO_USD_PER_CENT, microUsdToUsdText, type Tier } from "../../commands/rules/billing-tiers.js";
import { CommandBus } from "../app/command-bus.js";
import { withStores } from "../app/stores.js";
import { grantCredits, setBillingTier } from "../billing/service.js";
import type { Config } from "../config.js";

export class InvalidBillingOptions extends Error {
  constructor(message: string) { super(message); this.name = "InvalidBillingOptions"; }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const USD = /^(\d{1,7})(?:\.(\d{1,6}))?$/;

function operatorActor(): BillingActor {
  let login = "unknown";
  try { login = userInfo().username; } catch { /* no passwd entry (containers): stay anonymous */ }
  return { type: "operator", id: `cli:${login}` };
}

function orgIdOf(text: string): string {
  if (!UUID.test(text)) throw new InvalidBillingOptions("--org must be an organisation id (a UUID)");
  return text.toLowerCase();
}

/** "2.50" USD -> 2,500,000 micro-USD, exactly (no floating point). */
export function parseUsd(text: string): number {
  const match = USD.exec(text.trim());
  if (!match) throw new InvalidBillingOptions("--amount must be an amount of USD such as 5 or 2.50");
  const micro = Number(match[1]) * 1_000_000 + Number((match[2] ?? "").padEnd(6, "0"));
  if (micro < MICRO_USD_PER_CENT) throw new InvalidBillingOptions("--amount must be at least 0.01 USD");
  return micro;
}

export async function orgSetTierCommand(config: Config, options: { org: string; tier: string; days?: string },
  out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const orgId = orgIdOf(options.org);
  if (!isTier(options.tier)) throw new InvalidBillingOptions("--tier must be free, pro, business or enterprise");
  const days = options.days === undefined ? 365 : Number(options.days);
  if (!Number.isInteger(days) || days < 1 || days > 3650) throw new InvalidBillingOptions("--days must be a whole number from 1 to 3650");
  const actor = operatorActor();
  await withStores(config, async ({ db, store }) => {
    const set = await setBillingTier({ bus: new CommandBus({ store }), db }, orgId, options.tier as Tier, days, actor,
      { actor, org_id: orgId });
    out.write(`org_id: ${orgId}\ntier: ${set.tier}\nperiod_end: ${set.periodEnd?.toISOString() ?? "none"}\n`);
  });
}

export async function creditsGrantCommand(config: Config, options: { org: string; amount: string; description?: string },
  out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const orgId = orgIdOf(options.org);
  const micro = parseUsd(options.amount);
  const actor = operatorActor();
  await withStores(config, async ({ db, store }) => {
    const granted = await grantCredits({ bus: new CommandBus({ store }), db }, orgId, micro,
      options.description ?? "Credits granted by an operator", actor, { actor, org_id: orgId });
    out.write(`grant_id: ${granted.grantId}\namount_usd: ${microUsdToUsdText(micro)}\nexpires_at: ${granted.expiresAt}\n` +
      `balance_usd: ${microUsdToUsdText(granted.balanceAfterMicroUsd)}\n`);
  });
}
