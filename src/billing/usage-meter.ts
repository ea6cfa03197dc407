/**
 * Counts every authenticated, non-free request against its organisation's monthly quota, and decides what a
 * request over the quota costs (prepaid credits) or needs (an x402 payment).
 *
 * Counting is in memory and recorded in batches: a `RequestsCounted` fact per organisation every
 * `flushIntervalMs` (1 s), or sooner once MAX_REQUESTS_PER_FACT are waiting, never a write per request. A crash
 * therefore loses from the count at most the requests answered in the last flush interval before it (≤ 1 s
 * worth); money is never in that window: credit debits and x402 settlements are recorded before the request
 * they pay for is answered.
 *
 * What the meter knows of an account (tier, overage method, balance, the month's count as recorded) is read
 * from the read models on an organisation's first request and refreshed at most once a second (changes made
 * through this server's routes at once), so an operator's tier change or credit grant from the CLI takes
 * effect within about a second, and the hot path reads nothing for the other requests.
 */
import { randomUUID } from "node:crypto";
import type { z } from "zod";
import { billingAggregate, InsufficientCredits, type OverageMethod } from "../../commands/billing.js";
import { PaymentRequired } from "../../commands/errors.js";
import {
  microUsdToCents, microUsdToUsdText, TIER_TERMS, usageMonth, type Tier,
} from "../../commands/rules/billing-tiers.js";
import { CountedRequest, RequestsCounted, X402PaymentSettled } from "../../events/usage.js";
import { comparePositions, type Position } from "../../events/recorded.js";
import type { Services } from "../app/services.js";
import type { Principal } from "../auth/principal.js";
import { creditBalance, findBillingAccount, monthUsage } from "./queries.js";
import { usageStream, x402PaymentsStream } from "./streams.js";
import {
  parsePaymentHeader, paymentRequiredFields, paymentRequirements, type Facilitator, type PaymentPayload,
  type PaymentRequirements,
} from "./x402.js";

/** Requests over the quota paid per credit debit: one ledger entry per block, not per request. */
export const CREDIT_DEBIT_BLOCK = 10;
const EXPIRING_SOON_DAYS = 30;
const QUOTA_WARNING_PERCENT = 80;

export type MeterServices = Pick<Services, "bus" | "db" | "clock" | "config" | "logger">;

export interface MeteredRequest {
  principal: Principal;
  method: string;
  /** The route's declared pattern. */
  endpoint: string;
  /** The full URL, which an x402 payment is bound to. */
  resource: string;
  /** Free routes (audit, org, security, chains, billing, auth) carry the headers but never count. */
  free: boolean;
  /** What an x402 payment for this request costs, in micro-USD (USDC atomic units). */
  x402PriceMicroUsd?: number;
  /** The `X-PAYMENT` header, if any. */
  payment?: string;
}

export interface Admission {
  /** The quota headers of the answer. */
  headers: Record<string, string>;
  /** Counts the request once answered (never throws). */
  record(statusCode: number): void;
  /**
   * Collects an x402 payment once the handler succeeded, before the answer leaves; throws (402) if the
   * facilitator will not settle it. Absent when nothing is to be collected.
   */
  settle?(statusCode: number): Promise<void>;
}

/** Over the quota with no way to pay: the 402 of the seeds (and of x402, when that is the overage method). */
export class QuotaExhausted extends PaymentRequired {
  constructor(detail: string, readonly headers: Record<string, string>, extensions: Record<string, unknown>) {
    super(detail);
    this.name = "QuotaExhausted";
    this.extensions = extensions;
  }
}

interface AccountView {
  tier: Tier;
  overageMethod: OverageMethod;
  balanceMicroUsd: number;
  expiringSoonMicroUsd: number;
  loadedAt: number;
}

interface PendingRequest {
  month: string;
  data: z.infer<typeof CountedRequest>;
}

interface OrgMeter {
  orgId: string;
  month: string;
  /** The month's requests as recorded (the read model's count, or more if it lags behind our own flushes). */
  recorded: number;
  /** Admitted this month and not yet recorded (in flight, waiting, or being flushed). */
  unrecorded: number;
  pending: PendingRequest[];
  account?: AccountView;
  loading?: Promise<void>;
  /** Requests over the quota already paid for by a credit debit. */
  prepaidRequests: number;
  debiting?: Promise<boolean>;
}

/**
 * The most requests one fact lists. Everything about a fact is done in one go (validated, appended, read back,
 * hashed into the audit chain, inserted as usage rows), and at 4,000 requests a second a fact a second held the
 * event loop for ~20 ms: the reads' p99 at c=64 was 52-56 ms with it and 30-38 ms with facts a fifth the size
 * (issue 12). So a flush starts early once this many wait, and a larger backlog is recorded in several facts.
 */
export const MAX_REQUESTS_PER_FACT = 500;

function capitalised(tier: Tier): string {
  return tier[0].toUpperCase() + tier.slice(1);
}

export class UsageMeter {
  private readonly orgs = new Map<string, OrgMeter>();
  private readonly timer: NodeJS.Timeout;
  private flushing?: Promise<void>;
  /** Flushes started so far: a count read from the read model while one ran may or may not include it. */
  private flushesStarted = 0;
  /** Where the latest count was recorded: the billing routes read the usage once the read models are there. */
  private lastRecorded?: Position;
  private readonly flushIntervalMs: number;

  constructor(private readonly services: MeterServices, private readonly facilitator?: Facilitator,
    options: { flushIntervalMs?: number } = {}) {
    this.flushIntervalMs = options.flushIntervalMs ?? 1000;
    this.timer = setInterval(() => void this.flush(), this.flushIntervalMs);
    this.timer.unref();
  }

  async admit(request: MeteredRequest): Promise<Admission> {
    const now = this.services.clock();
    const org = await this.orgMeter(request.principal.orgId, now);
    const account = org.account!;
    const limit = TIER_TERMS[account.tier].requestsPerMonth;
    const used = org.recorded + org.unrecorded;
    if (request.free) return { headers: this.headers(account, used, limit), record: () => undefined };

    if (limit === null || used < limit) return this.admitted(org, request, used + 1, limit, 0, false);
    const rate = TIER_TERMS[account.tier].overageMicroUsdPerRequest ?? 0;
    if (account.overageMethod === "credits") {
      if (await this.prepay(org, rate)) return this.admitted(org, request, used + 1, limit, rate, true);
      throw this.exhausted(account, used, limit, rate);
    }
    return this.admitWithPayment(org, request, used, limit, rate);
  }

  /** Records every organisation's waiting counts now (the billing routes do, so a caller reads its own usage). */
  async flushNow(): Promise<void> {
    await this.flush();
    if (this.lastRecorded) await this.services.bus.readModelsReach(this.lastRecorded);
  }

  /** Stops the timer and records what is left (graceful shutdown). */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private admitted(org: OrgMeter, request: MeteredRequest, used: number, limit: number | null, priceMicroUsd: number,
    isPaid: boolean, settle?: Admission["settle"]): Admission {
    const month = org.month;
    org.unrecorded += 1;
    const at = this.services.clock().toISOString();
    let recorded = false;
    return {
      headers: this.headers(org.account!, used, limit),
      record: (statusCode) => {
        if (recorded) return;
        recorded = true;
        org.pending.push({ month, data: {
          id: randomUUID(), principal_type: request.principal.type, principal_id: request.principal.id, method: request.method,
          endpoint: request.endpoint, status_code: statusCode, price_micro_usd: priceMicroUsd, is_paid: isPaid, at,
        } });
        if (org.pending.length >= MAX_REQUESTS_PER_FACT && !this.flushing) void this.flush();
      },
      settle,
    };
  }

  private headers(account: AccountView, used: number, limit: number | null): Record<string, string> {
    const percent = limit === null ? 0 : Math.floor((used * 100) / Math.max(limit, 1));
    return {
      "X-RateLimit-Requests-Used": String(used),
      "X-RateLimit-Requests-Limit": limit === null ? "unlimited" : String(limit),
      "X-RateLimit-Requests-Percent": String(percent),
      ...(percent > QUOTA_WARNING_PERCENT && {
        "X-Quota-Warning": `${percent}% of the ${account.tier} tier's ${limit} monthly requests used`,
      }),
      "X-Credit-Balance-Cents": String(microUsdToCents(account.balanceMicroUsd)),
      ...(account.expiringSoonMicroUsd > 0 && { "X-Credit-Expiring-Soon": String(microUsdToCents(account.expiringSoonMicroUsd)) }),
      "X-Overage-Method": account.overageMethod,
    };
  }

  /** Takes one prepaid request, debiting the next block of credits when none is left; false when the balance cannot pay. */
  private async prepay(org: OrgMeter, rate: number): Promise<boolean> {
    while (org.prepaidRequests === 0) {
      // One debit at a time per organisation: requests arriving meanwhile share its block.
      org.debiting ??= this.debit(org, rate).finally(() => (org.debiting = undefined));
      if (!(await org.debiting)) return false;
    }
    org.prepaidRequests -= 1;
    return true;
  }

  /** Debits the next block; false when the balance covers no request. */
  private async debit(org: OrgMeter, rate: number): Promise<boolean> {
    const { events } = await this.services.bus.handle(billingAggregate, org.orgId, {
      type: "DebitCredits", orgId: org.orgId, debitId: randomUUID(), requests: CREDIT_DEBIT_BLOCK, rateMicroUsd: rate,
    }, { metadata: { actor: { type: "system", id: "usage-meter" }, org_id: org.orgId }, readYourWrites: false })
      .catch((error: unknown) => {
        if (error instanceof InsufficientCredits) return { events: [] };
        throw error;
      });
    let debited = false;
    for (const event of events) {
      if (event.type !== "CreditsDebited" && event.type !== "CreditsExpired") continue;
      if (org.account) org.account.balanceMicroUsd = event.data.balance_after_micro_usd;
      if (event.type === "CreditsDebited") {
        org.prepaidRequests += event.data.requests;
        debited = true;
      }
    }
    return debited;
  }

  private async admitWithPayment(org: OrgMeter, request: MeteredRequest, used: number, limit: number, rate: number): Promise<Admission> {
    const { x402 } = this.services.config.billing;
    const priceMicroUsd = request.x402PriceMicroUsd ?? rate;
    const requirements = paymentRequirements({
      priceMicroUsd, resource: request.resource, description: `${request.method} ${request.endpoint}`,
      payTo: x402.payTo ?? "0x0000000000000000000000000000000000000000", network: x402.network, asset: x402.asset,
    });
    const refuse = (error: string) => this.paymentRequired(org, used, limit, requirements, error);
    if (!this.facilitator || !x402.payTo) throw refuse("x402 payments are not accepted by this server (no facilitator configured)");
    if (!request.payment) throw refuse("X-PAYMENT header is required");
    const payment = parsePaymentHeader(request.payment);
    if (!payment) throw refuse("X-PAYMENT is neither base64 nor JSON of an x402 payment payload");
    const verified = await this.facilitator.verify(payment, requirements);
    if (!verified.isValid) throw refuse(`payment refused by the facilitator: ${verified.invalidReason ?? "invalid"}`);
    const settle = async (statusCode: number) => {
      if (statusCode >= 400) return; // nothing was served: nothing is collected
      await this.collect(org, payment, requirements, verified.payer, refuse);
    };
    return this.admitted(org, request, used + 1, limit, priceMicroUsd, true, settle);
  }

  private async collect(org: OrgMeter, payment: PaymentPayload, requirements: PaymentRequirements, payer: string | undefined,
    refuse: (error: string) => Error): Promise<void> {
    const settled = await this.facilitator!.settle(payment, requirements);
    if (!settled.success) throw refuse(`payment could not be settled: ${settled.errorReason ?? "refused"}`);
    const authorization = (payment.payload as { authorization?: { nonce?: unknown } } | undefined)?.authorization;
    await this.services.bus.record(x402PaymentsStream(org.orgId), [X402PaymentSettled.of({
      org_id: org.orgId, payer: settled.payer ?? payer ?? "unknown", amount_atomic: requirements.maxAmountRequired,
      network: requirements.network, asset: requirements.asset, pay_to: requirements.payTo,
      nonce: typeof authorization?.nonce === "string" ? authorization.nonce : "unknown", resource: requirements.resource,
      ...(settled.transaction && { transaction: settled.transaction }),
    })], { metadata: { actor: { type: "system", id: "usage-meter" }, org_id: org.orgId } });
  }

  private exhausted(account: AccountView, used: number, limit: number, rate: number): QuotaExhausted {
    const detail = `${capitalised(account.tier)} tier quota exhausted: ${used} of ${limit} requests used this month. ` +
      "Upgrade the plan, add prepaid credits, or enable x402 micropayments (PATCH /v1/billing/overage-method).";
    return new QuotaExhausted(detail, this.headers(account, used, limit), { message: detail, required_usd: microUsdToUsdText(rate) });
  }

  private paymentRequired(org: OrgMeter, used: number, limit: number, requirements: PaymentRequirements, error: string): QuotaExhausted {
    const account = org.account!;
    const detail = `${capitalised(account.tier)} tier quota exhausted: ${used} of ${limit} requests used this month; ` +
      `pay ${requirements.price} USD with x402 (X-PAYMENT) for this request. ${error}`;
    return new QuotaExhausted(detail, this.headers(account, used, limit), paymentRequiredFields(requirements, error, detail));
  }

  private async orgMeter(orgId: string, now: Date): Promise<OrgMeter> {
    let org = this.orgs.get(orgId);
    const month = usageMonth(now);
    if (!org) {
      org = { orgId, month, recorded: 0, unrecorded: 0, pending: [], prepaidRequests: 0 };
      this.orgs.set(orgId, org);
    }
    if (org.month !== month) {
      org.month = month;
      org.recorded = 0;
      org.unrecorded = org.pending.filter((p) => p.month === month).length;
      org.account = undefined;
    }
    if (!org.account) {
      org.loading ??= this.load(org, now).finally(() => (org!.loading = undefined));
      await org.loading;
    } else if (now.getTime() - org.account.loadedAt >= this.flushIntervalMs) {
      // Stale: one request per organisation and second waits for the refresh (concurrent ones share it).
      org.loading ??= this.load(org, now).catch((error: unknown) =>
        this.services.logger.warn({ err: error instanceof Error ? error.message : String(error), org_id: orgId },
          "could not refresh a billing account; answering from what was known")).finally(() => (org!.loading = undefined));
      await org.loading;
    }
    return org;
  }

  /** The account changed here (tier, credits, overage method): the next request reads it afresh. */
  invalidate(orgId: string): void {
    const account = this.orgs.get(orgId)?.account;
    if (account) account.loadedAt = Number.NEGATIVE_INFINITY;
  }

  private async load(org: OrgMeter, now: Date): Promise<void> {
    const { db, config } = this.services;
    const flushesBefore = this.flushesStarted;
    const flushingBefore = this.flushing !== undefined;
    const [account, balance, usage] = await Promise.all([
      findBillingAccount(db, org.orgId, config.billing.defaultTier, now),
      creditBalance(db, org.orgId, now, EXPIRING_SOON_DAYS),
      monthUsage(db, org.orgId, now),
    ]);
    // The recorded count moves from `unrecorded` to `recorded` when a flush's append returns; a read that may
    // have overlapped a flush could count its requests twice, so only a read clear of flushes is taken.
    const clearOfFlushes = !flushingBefore && this.flushing === undefined && flushesBefore === this.flushesStarted;
    if (usageMonth(now) === org.month && clearOfFlushes) org.recorded = Math.max(org.recorded, usage.totalRequests);
    org.account = {
      tier: account.tier, overageMethod: account.overageMethod, balanceMicroUsd: balance.balanceMicroUsd,
      expiringSoonMicroUsd: balance.expiring.amountMicroUsd, loadedAt: now.getTime(),
    };
  }

  /** Records the waiting counts, one fact per organisation and month; on failure they wait for the next flush. */
  private flush(): Promise<void> {
    if (this.flushing) return this.flushing.then(() => this.flush());
    this.flushesStarted += 1;
    this.flushing = this.flushAll().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async flushAll(): Promise<void> {
    await Promise.all([...this.orgs.values()].filter((org) => org.pending.length > 0).map(async (org) => {
      const batch = org.pending.splice(0);
      const byMonth = new Map<string, PendingRequest[]>();
      for (const item of batch) {
        const items = byMonth.get(item.month);
        if (items) items.push(item);
        else byMonth.set(item.month, [item]);
      }
      const facts: { month: string; items: PendingRequest[] }[] = [];
      for (const [month, items] of byMonth) {
        for (let start = 0; start < items.length; start += MAX_REQUESTS_PER_FACT) {
          facts.push({ month, items: items.slice(start, start + MAX_REQUESTS_PER_FACT) });
        }
      }
      for (const { month, items } of facts) {
        try {
          const { position } = await this.services.bus.record(usageStream(org.orgId, month), [RequestsCounted.of({
            org_id: org.orgId, month, requests: items.map((item) => item.data),
          })], { metadata: { actor: { type: "system", id: "usage-meter" }, org_id: org.orgId }, readYourWrites: false });
          if (!this.lastRecorded || comparePositions(position, this.lastRecorded) > 0) this.lastRecorded = position;
          if (month === org.month) {
            org.unrecorded -= items.length;
            org.recorded += items.length;
          }
        } catch (error) {
          org.pending.unshift(...items);
          this.services.logger.warn({ err: error instanceof Error ? error.message : String(error), org_id: org.orgId },
            "could not record request counts; retrying at the next flush");
        }
      }
    }));
  }
}
