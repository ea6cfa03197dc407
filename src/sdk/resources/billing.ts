import type { HttpClient } from "../http.js";
import type {
  CreditBalanceResponse, CreditTransactionsListResponse, OneclawResponse, OverageMethodResponse, SubscriptionResponse,
  UsageHistoryResponse, UsageSummaryResponse,
} from "../types.js";

/** Usage, subscription and credits of the organisation. */
export class BillingResource {
  constructor(private readonly http: HttpClient) {}

  /** This month's requests and cost. */
  usage(): Promise<OneclawResponse<UsageSummaryResponse>> {
    return this.http.request("GET", "/v1/billing/usage");
  }

  history(limit?: number): Promise<OneclawResponse<UsageHistoryResponse>> {
    return this.http.request("GET", "/v1/billing/history", { query: { limit } });
  }

  subscription(): Promise<OneclawResponse<SubscriptionResponse>> {
    return this.http.request("GET", "/v1/billing/subscription");
  }

  creditBalance(): Promise<OneclawResponse<CreditBalanceResponse>> {
    return this.http.request("GET", "/v1/billing/credits/balance");
  }

  creditTransactions(): Promise<OneclawResponse<CreditTransactionsListResponse>> {
    return this.http.request("GET", "/v1/billing/credits/transactions");
  }

  /** How requests over the plan are paid: prepaid credits or x402 per request. */
  setOverageMethod(method: "credits" | "x402"): Promise<OneclawResponse<OverageMethodResponse>> {
    return this.http.request("PATCH", "/v1/billing/overage-method", { body: { method } });
  }
}
