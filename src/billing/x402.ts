/**
 * x402 (v1, "exact" scheme) for requests over the quota: the 402 body that says what to pay, the `X-PAYMENT`
 * header clients answer with (base64 of the JSON payload, as standard x402 clients send it, or the raw JSON the
 * 1claw SDK sends), and the facilitator that verifies a payment before the request runs and settles it after.
 */
import { z } from "zod";
import { Unavailable } from "../../commands/errors.js";
import { microUsdToUsdText } from "../../commands/rules/billing-tiers.js";

/** What one payment must be, in both field sets clients read (x402's `maxAmountRequired`..., the spec's `price`...). */
export interface PaymentRequirements {
  scheme: "exact";
  network: string;
  /** USDC atomic units (6 decimals): equal to micro-USD. */
  maxAmountRequired: string;
  resource: string;
  description: string;
  mimeType: string;
  payTo: string;
  maxTimeoutSeconds: number;
  asset: string;
  /** The token's EIP-712 domain, which EIP-3009 signatures are made over. */
  extra: { name: string; version: string };
  price: string;
  requiredDeadlineSeconds: number;
}

export const PAYMENT_TIMEOUT_SECONDS = 60;

export function paymentRequirements(options: {
  priceMicroUsd: number; resource: string; description: string; payTo: string; network: string; asset: string;
}): PaymentRequirements {
  return {
    scheme: "exact", network: options.network, maxAmountRequired: String(options.priceMicroUsd), resource: options.resource,
    description: options.description, mimeType: "application/json", payTo: options.payTo,
    maxTimeoutSeconds: PAYMENT_TIMEOUT_SECONDS, asset: options.asset, extra: { name: "USD Coin", version: "2" },
    price: microUsdToUsdText(options.priceMicroUsd), requiredDeadlineSeconds: PAYMENT_TIMEOUT_SECONDS,
  };
}

/** The x402 fields of a 402 answer (they sit beside the problem's type/title/status/detail). */
export function paymentRequiredFields(requirements: PaymentRequirements, error: string, message: string): Record<string, unknown> {
  return {
    x402Version: 1, error, accepts: [requirements], description: requirements.description,
    required_usd: requirements.price, message,
  };
}

export const PaymentPayload = z.object({
  x402Version: z.number().int(),
  scheme: z.string(),
  network: z.string(),
  /** For "exact" on EVM: `{signature, authorization}` (EIP-3009); the facilitator judges it. */
  payload: z.unknown(),
}).loose();
export type PaymentPayload = z.infer<typeof PaymentPayload>;

/** The `X-PAYMENT` header's payload: base64 of the JSON, or the JSON itself; undefined when it is neither. */
export function parsePaymentHeader(header: string): PaymentPayload | undefined {
  const text = header.trim();
  const candidates = text.startsWith("{") ? [text] : [Buffer.from(text, "base64").toString("utf8")];
  for (const candidate of candidates) {
    try {
      const parsed = PaymentPayload.safeParse(JSON.parse(candidate));
      if (parsed.success) return parsed.data;
    } catch { /* not JSON */ }
  }
  return undefined;
}

export interface VerifyResult {
  isValid: boolean;
  invalidReason?: string;
  payer?: string;
}

export interface SettleResult {
  success: boolean;
  errorReason?: string;
  transaction?: string;
  payer?: string;
}

/** Checks and collects payments; a third party (Coinbase's CDP facilitator, or one of your own). */
export interface Facilitator {
  verify(payment: PaymentPayload, requirements: PaymentRequirements): Promise<VerifyResult>;
  settle(payment: PaymentPayload, requirements: PaymentRequirements): Promise<SettleResult>;
}

const VerifyAnswer = z.object({ isValid: z.boolean(), invalidReason: z.string().nullish(), payer: z.string().nullish() }).loose();
const SettleAnswer = z.object({
  success: z.boolean(), errorReason: z.string().nullish(), transaction: z.string().nullish(), payer: z.string().nullish(),
}).loose();

/** The facilitator did not answer, or not as x402 says: nothing was paid, the caller may retry. */
export class FacilitatorUnavailable extends Unavailable {
  constructor(cause: unknown) {
    super("the x402 facilitator is not answering", { cause, detail: "the x402 payment facilitator is not answering; nothing was charged, retry later" });
    this.name = "FacilitatorUnavailable";
  }
}

/** A facilitator over HTTP, as x402 defines it: `POST /verify` and `POST /settle` with the payload and the requirements. */
export function httpFacilitator(baseUrl: string, timeoutMs = 10_000): Facilitator {
  async function post<T>(path: string, schema: z.ZodType<T>, payment: PaymentPayload, requirements: PaymentRequirements): Promise<T> {
    try {
      const response = await fetch(`${baseUrl}${path}`, {
        method: "POST", headers: { "content-type": "application/json" },
        body: JSON.stringify({ x402Version: payment.x402Version, paymentPayload: payment, paymentRequirements: requirements }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const body: unknown = await response.json().catch(() => undefined);
      const parsed = schema.safeParse(body);
      if (!parsed.success) throw new Error(`the x402 facilitator answered ${response.status} with an unexpected body`);
      return parsed.data;
    } catch (error) {
      throw new FacilitatorUnavailable(error);
    }
  }
  return {
    async verify(payment, requirements) {
      const answer = await post(`/verify`, VerifyAnswer, payment, requirements);
      return { isValid: answer.isValid, invalidReason: answer.invalidReason ?? undefined, payer: answer.payer ?? undefined };
    },
    async settle(payment, requirements) {
      const answer = await post(`/settle`, SettleAnswer, payment, requirements);
      return { success: answer.success, errorReason: answer.errorReason ?? undefined, transaction: answer.transaction ?? undefined,
        payer: answer.payer ?? undefined };
    },
  };
}
