/**
 * The SDK's types. Request and response bodies are the server's own zod schemas (src/api), seen from the
 * client: a request is what the schema accepts (`z.input`), a response what it describes (`z.output`). Only
 * types are imported, so the SDK carries no schema code at run time.
 */
import type { z } from "zod";
import type * as agents from "../api/agents.js";
import type * as audit from "../api/audit.js";
import type * as auth from "../api/auth.js";
import type * as billing from "../api/billing.js";
import type * as chains from "../api/chains.js";
import type * as deviceLogin from "../api/device-login.js";
import type * as org from "../api/org.js";
import type * as policies from "../api/policies.js";
import type * as problem from "../api/problem.js";
import type * as routerKeys from "../api/router-keys.js";
import type * as secrets from "../api/secrets.js";
import type * as shares from "../api/shares.js";
import type * as transactions from "../api/transactions.js";
import type * as vaults from "../api/vaults.js";
import type * as cmek from "../api/cmek.js";

/** What every SDK method answers, as the 1claw SDK's `OneclawResponse<T>`: API errors are values, not throws. */
export interface OneclawResponse<T> {
  data: T | null;
  error: ApiError | null;
  meta: ResponseMeta;
}

export interface ResponseMeta {
  /** The HTTP status; 0 when no answer arrived (network failure). */
  status: number;
  /** The server's X-Request-Id, to quote when asking an operator. */
  requestId?: string;
}

/** The error kinds an answer maps to (see errors.ts for the table). */
export type ApiErrorType =
  | "validation_error" | "auth_error" | "payment_required" | "resource_limit_exceeded" | "approval_required"
  | "not_found" | "method_not_allowed" | "conflict" | "gone" | "payload_too_large" | "rate_limit" | "server_error"
  | "network_error" | "unknown";

export interface ApiError {
  type: ApiErrorType;
  /** One line for people: the server's `detail` when it gave one. */
  message: string;
  /** The RFC 7807 `detail` of the answer, as sent. */
  detail?: string;
  /** The OAuth error code of an OAuth endpoint's answer (RFC 6749 §5.2), e.g. `authorization_pending`. */
  code?: string;
  /** On 429: seconds to wait before retrying (from Retry-After). */
  retry_after?: number;
  /** On 402: the payment body (x402 requirement, `required_usd`, `message`). */
  payment_requirement?: PaymentRequirement;
}

type In<S extends z.ZodType> = z.input<S>;
type Out<S extends z.ZodType> = z.output<S>;

export type Problem = problem.Problem;

export type CreateVaultRequest = In<typeof vaults.CreateVaultRequest>;
export type VaultResponse = Out<typeof vaults.VaultResponse>;
export type VaultListResponse = Out<typeof vaults.VaultListResponse>;
export type CmekRotationJobResponse = Out<typeof cmek.CmekRotationJobResponse>;

export type SecretType = secrets.SecretType;
export type PutSecretRequest = In<typeof secrets.PutSecretRequest>;
export type RotateSecretRequest = In<typeof secrets.RotateSecretRequest>;
export type SecretMetadataResponse = Out<typeof secrets.SecretMetadataResponse>;
export type SecretResponse = Out<typeof secrets.SecretResponse>;
export type SecretListResponse = Out<typeof secrets.SecretListResponse>;
export type SecretVersionListResponse = Out<typeof secrets.SecretVersionListResponse>;

export type CreateAgentRequest = In<typeof agents.CreateAgentRequest>;
export type UpdateAgentRequest = In<typeof agents.UpdateAgentRequest>;
export type AgentResponse = Out<typeof agents.AgentResponse>;
export type AgentCreatedResponse = Out<typeof agents.AgentCreatedResponse>;
export type AgentListResponse = Out<typeof agents.AgentListResponse>;
export type AgentKeyRotatedResponse = Out<typeof agents.AgentKeyRotatedResponse>;
export type AgentTokenRequest = In<typeof agents.AgentTokenRequest>;
export type AgentTokenResponse = Out<typeof agents.AgentTokenResponse>;
export type EnrollAgentRequest = In<typeof agents.EnrollAgentRequest>;
export type EnrollAgentResponse = Out<typeof agents.EnrollAgentResponse>;
export type BatchDeleteAgentsResponse = Out<typeof agents.BatchDeleteAgentsResponse>;

export type SimulateTransactionRequest = In<typeof transactions.SimulateTransactionRequest>;
export type SubmitTransactionRequest = In<typeof transactions.SubmitTransactionRequest>;
export type SimulateBundleRequest = In<typeof transactions.SimulateBundleRequest>;
export type SimulationResponse = Out<typeof transactions.SimulationResponse>;
export type BundleSimulationResponse = Out<typeof transactions.BundleSimulationResponse>;
export type TransactionResponse = Out<typeof transactions.TransactionResponse>;
export type TransactionListResponse = Out<typeof transactions.TransactionListResponse>;
export type SignTransactionResponse = Out<typeof transactions.SignTransactionResponse>;

export type CreatePolicyRequest = In<typeof policies.CreatePolicyRequest>;
export type UpdatePolicyRequest = In<typeof policies.UpdatePolicyRequest>;
export type PolicyResponse = Out<typeof policies.PolicyResponse>;
export type PolicyListResponse = Out<typeof policies.PolicyListResponse>;

export type CreateShareRequest = In<typeof shares.CreateShareRequest>;
export type ShareResponse = Out<typeof shares.ShareResponse>;
export type ShareListResponse = Out<typeof shares.ShareListResponse>;
export type SharedSecretResponse = Out<typeof shares.SharedSecretResponse>;

/** A query schema as the URL carries it: instants as ISO strings, coerced numbers as numbers. */
type UrlQuery<S extends z.ZodObject> = {
  [K in keyof z.output<S>]?: z.output<S>[K] extends Date | undefined ? string
    : z.output<S>[K] extends number | undefined ? number : z.output<S>[K];
};
export type AuditQuery = UrlQuery<typeof audit.AuditEventsQuery>;
export type AuditVerifyQuery = UrlQuery<typeof audit.AuditVerifyQuery>;
export type AuditListQuery = UrlQuery<typeof audit.AuditListQuery>;
export type AuditEventResponse = Out<typeof audit.AuditEventResponse>;

export type DeviceCodeRequest = In<typeof deviceLogin.DeviceCodeRequest>;
export type DeviceCodeResponse = Out<typeof deviceLogin.DeviceCodeResponse>;
export type DeviceTokenResponse = Out<typeof deviceLogin.DeviceTokenResponse>;
export type DeviceLoginStatusResponse = Out<typeof deviceLogin.DeviceLoginStatusResponse>;
export type MintedAgentTokenResponse = Out<typeof agents.MintedAgentTokenResponse>;
export type CreateRouterKeyRequest = In<typeof routerKeys.CreateRouterKeyRequest>;
export type RouterKeyCreatedResponse = Out<typeof routerKeys.RouterKeyCreatedResponse>;
export type RouterKeyListResponse = Out<typeof routerKeys.RouterKeyListResponse>;
export type AuditEventsResponse = Out<typeof audit.AuditEventsResponse>;
export type AuditVerifyResponse = Out<typeof audit.AuditVerifyResponse>;

export type LoginRequest = In<typeof auth.LoginRequest>;
export type LoginResponse = Out<typeof auth.LoginResponse>;
export type MfaVerifyRequest = In<typeof auth.MfaVerifyRequest>;
export type TokenResponse = Out<typeof auth.TokenResponse>;
export type UserApiKeyTokenRequest = In<typeof auth.UserApiKeyTokenRequest>;
export type UserProfileResponse = Out<typeof auth.UserProfileResponse>;
export type UpdateProfileRequest = In<typeof auth.UpdateProfileRequest>;
export type ChangePasswordRequest = In<typeof auth.ChangePasswordRequest>;
export type CreateApiKeyRequest = In<typeof auth.CreateApiKeyRequest>;
export type ApiKeyResponse = Out<typeof auth.ApiKeyResponse>;
export type ApiKeyCreatedResponse = Out<typeof auth.ApiKeyCreatedResponse>;
export type ApiKeyListResponse = Out<typeof auth.ApiKeyListResponse>;

export type OrgRole = Out<typeof org.OrgRole>;
export type OrgMemberResponse = Out<typeof org.OrgMemberResponse>;
export type OrgMemberListResponse = Out<typeof org.OrgMemberListResponse>;
export type InviteRequest = In<typeof org.InviteRequest>;
export type InviteResponse = Out<typeof org.InviteResponse>;
export type InvitationResponse = Out<typeof org.InvitationResponse>;
export type InvitationListResponse = Out<typeof org.InvitationListResponse>;

export type ChainResponse = Out<typeof chains.ChainResponse>;
export type ChainListResponse = Out<typeof chains.ChainListResponse>;

export type UsageSummaryResponse = Out<typeof billing.UsageSummaryResponse>;
export type UsageHistoryResponse = Out<typeof billing.UsageHistoryResponse>;
export type SubscriptionResponse = Out<typeof billing.SubscriptionResponse>;
export type CreditBalanceResponse = Out<typeof billing.CreditBalanceResponse>;
export type CreditTransactionsListResponse = Out<typeof billing.CreditTransactionsListResponse>;
export type OverageMethodResponse = Out<typeof billing.OverageMethodResponse>;
export type PaymentRequirement = Out<typeof billing.PaymentRequirement>;
