/**
 * How each event of the log reads as an audit entry: its action, the resource it is about, and which of its
 * data fields may be shown as `details`. Details are an allowlist per event type, so a sealed value, a
 * credential hash or a field added later never reaches the audit log unless someone names it here.
 */
import type { RecordedEvent } from "./recorded.js";
import { streamCategory } from "./recorded.js";

export interface AuditResource {
  type: string;
  id: string;
}

interface AuditMapping {
  action: string;
  resource: (event: RecordedEvent) => AuditResource;
  /** Top-level data fields that are safe to show. */
  details: readonly string[];
}

const field = (type: string, name: string) => (e: RecordedEvent): AuditResource => ({ type, id: String(e.data[name] ?? "") });
/** The aggregate's id: what follows `category-` in the stream name. */
const streamId = (type: string) => (e: RecordedEvent): AuditResource => ({ type, id: idOfStream(e.stream) });

export function idOfStream(stream: string): string {
  const dash = stream.indexOf("-");
  return dash < 0 ? "" : stream.slice(dash + 1);
}

const secretDetails = ["vault_id", "path"] as const;
const policyTerms = ["permissions", "conditions", "expires_at", "effect", "priority"] as const;

export const AUDIT_MAPPINGS: Readonly<Record<string, AuditMapping>> = {
  // Identity
  AccessTokenIssued: { action: "auth.token_issued", resource: field("token", "token_id"),
    details: ["subject_type", "subject_id", "method", "expires_at"] },
  AccessTokenRevoked: { action: "auth.token_revoked", resource: field("token", "token_id"),
    details: ["subject_type", "subject_id", "revoked_at"] },
  LoginSucceeded: { action: "auth.login", resource: streamId("user"), details: ["method"] },
  LoginFailed: { action: "auth.login_failed", resource: streamId("user"), details: ["method", "reason"] },
  MfaChallengeIssued: { action: "auth.mfa_challenge", resource: streamId("user"), details: ["challenge_id", "expires_at"] },
  DeviceLoginRequested: { action: "auth.device_code", resource: streamId("device_login"),
    details: ["grant_id", "client_id", "expires_at", "interval_seconds"] },
  DeviceLoginPolled: { action: "auth.device_poll", resource: streamId("device_login"),
    details: ["grant_id", "outcome", "interval_seconds"] },
  DeviceLoginApproved: { action: "auth.device_approve", resource: streamId("device_login"), details: ["grant_id", "user_id"] },
  DeviceLoginDenied: { action: "auth.device_deny", resource: streamId("device_login"), details: ["grant_id", "user_id"] },
  DeviceLoginCompleted: { action: "auth.device_complete", resource: streamId("device_login"), details: ["grant_id", "user_id"] },
  SignupRequested: { action: "auth.signup_request", resource: field("signup", "signup_id"), details: ["expires_at"] },
  SignupVerified: { action: "auth.signup_verify", resource: field("user", "user_id"), details: [] },
  EmailClaimed: { action: "user.email_claim", resource: field("user", "user_id"), details: [] },
  EmailReleased: { action: "user.email_release", resource: field("user", "user_id"), details: [] },
  UserRegistered: { action: "user.create", resource: field("user", "user_id"),
    details: ["email", "display_name", "auth_method", "role"] },
  UserProfileUpdated: { action: "user.profile_update", resource: streamId("user"), details: ["display_name", "marketing_emails"] },
  UserPasswordChanged: { action: "user.password_change", resource: streamId("user"), details: [] },
  RefreshSessionStarted: { action: "auth.refresh_session_start", resource: field("session", "session_id"),
    details: ["user_id", "expires_at"] },
  RefreshTokenRotated: { action: "auth.refresh", resource: streamId("session"), details: [] },
  RefreshSessionRevoked: { action: "auth.refresh_session_revoke", resource: streamId("session"), details: ["reason"] },
  UserEmailChangeRequested: { action: "user.email_change_request", resource: streamId("user"), details: ["new_email", "expires_at"] },
  UserEmailChangeCodeRejected: { action: "user.email_change_code_rejected", resource: streamId("user"), details: [] },
  UserEmailChanged: { action: "user.email_change", resource: streamId("user"), details: ["email"] },
  UserPasswordResetRequested: { action: "user.password_reset_request", resource: streamId("user"), details: ["expires_at"] },
  UserPasswordResetCompleted: { action: "user.password_reset", resource: streamId("user"), details: [] },
  UserMfaSetupStarted: { action: "user.mfa_setup_start", resource: streamId("user"), details: [] },
  UserMfaEnabled: { action: "user.mfa_enable", resource: streamId("user"), details: [] },
  UserMfaCodeUsed: { action: "user.mfa_code_use", resource: streamId("user"), details: [] },
  UserMfaDisabled: { action: "user.mfa_disable", resource: streamId("user"), details: [] },
  UserDeleted: { action: "user.delete", resource: field("user", "user_id"), details: [] },
  OrgCreated: { action: "org.create", resource: field("org", "org_id"), details: ["name", "owner_id"] },
  OrgMemberJoined: { action: "org.member_join", resource: field("user", "user_id"), details: ["role"] },
  OrgMemberRoleChanged: { action: "org.member_role_change", resource: field("user", "user_id"), details: ["role"] },
  OrgMemberRemoved: { action: "org.member_remove", resource: field("user", "user_id"), details: [] },
  InvitationSent: { action: "org.invite", resource: field("invitation", "invitation_id"),
    details: ["email", "role", "invited_by", "expires_at"] },
  InvitationAccepted: { action: "org.invite_accept", resource: field("invitation", "invitation_id"), details: ["user_id"] },
  InvitationRevoked: { action: "org.invite_revoke", resource: field("invitation", "invitation_id"), details: ["revoked_by"] },
  ApiKeyCreated: { action: "api_key.create", resource: field("api_key", "key_id"),
    details: ["user_id", "name", "scopes", "expires_at"] },
  ApiKeyRevoked: { action: "api_key.revoke", resource: field("api_key", "key_id"), details: ["user_id"] },
  IpRuleCreated: { action: "ip_rule.create", resource: field("ip_rule", "rule_id"),
    details: ["rule_type", "cidr", "label", "applies_to"] },
  IpRuleDeleted: { action: "ip_rule.delete", resource: field("ip_rule", "rule_id"), details: [] },
  AgentCreated: { action: "agent.create", resource: field("agent", "agent_id"),
    details: ["name", "description", "origin", "scopes", "vault_ids", "is_active", "intents_api_enabled", "shroud_enabled",
      "shroud_config", "created_by"] },
  AgentUpdated: { action: "agent.update", resource: field("agent", "agent_id"), details: ["changes"] },
  AgentApiKeyRotated: { action: "agent.api_key_rotate", resource: field("agent", "agent_id"), details: [] },
  AgentIdentityKeysRotated: { action: "agent.identity_keys_rotate", resource: field("agent", "agent_id"), details: [] },
  AgentDeleted: { action: "agent.delete", resource: field("agent", "agent_id"), details: [] },
  RouterKeyMinted: { action: "agent.router_key_create", resource: field("router_key", "key_id"),
    details: ["agent_id", "name", "max_concurrent_streams", "spend_cap_micro_usd", "created_by"] },
  RouterKeyRevoked: { action: "agent.router_key_revoke", resource: field("router_key", "key_id"), details: ["agent_id", "revoked_by"] },
  AgentEnrollmentRequested: { action: "agent.enroll_request", resource: field("agent", "agent_id"), details: ["agent_name"] },
  // Vaults, secrets, policies
  VaultCreated: { action: "vault.create", resource: field("vault", "vault_id"), details: ["name", "description", "system"] },
  VaultDeleted: { action: "vault.delete", resource: field("vault", "vault_id"), details: [] },
  VaultCmekEnabled: { action: "vault.cmek_enable", resource: field("vault", "vault_id"), details: ["fingerprint"] },
  VaultCmekDisabled: { action: "vault.cmek_disable", resource: field("vault", "vault_id"), details: ["fingerprint"] },
  VaultCmekRotationBegan: { action: "vault.cmek_rotation_begin", resource: field("vault", "vault_id"),
    details: ["job_id", "old_fingerprint", "new_fingerprint"] },
  VaultCmekRotated: { action: "vault.cmek_rotate", resource: field("vault", "vault_id"),
    details: ["job_id", "old_fingerprint", "new_fingerprint"] },
  VaultCmekRotationAbandoned: { action: "vault.cmek_rotation_abandon", resource: field("vault", "vault_id"),
    details: ["job_id", "reason"] },
  CmekRotationStarted: { action: "cmek_rotation.start", resource: field("cmek_rotation", "job_id"),
    details: ["vault_id", "old_fingerprint", "new_fingerprint", "total_secrets"] },
  CmekRotationBatchPrepared: { action: "cmek_rotation.batch_prepare", resource: field("cmek_rotation", "job_id"),
    details: ["vault_id", "batch", "batch_id", "secret_ids"] },
  CmekRotationBatchApplied: { action: "cmek_rotation.batch_apply", resource: field("cmek_rotation", "job_id"),
    details: ["vault_id", "batch", "processed"] },
  CmekRotationPaused: { action: "cmek_rotation.pause", resource: field("cmek_rotation", "job_id"), details: ["vault_id", "reason"] },
  CmekRotationResumed: { action: "cmek_rotation.resume", resource: field("cmek_rotation", "job_id"), details: ["vault_id"] },
  CmekRotationCompleted: { action: "cmek_rotation.complete", resource: field("cmek_rotation", "job_id"), details: ["vault_id"] },
  CmekRotationFailed: { action: "cmek_rotation.fail", resource: field("cmek_rotation", "job_id"), details: ["vault_id", "error"] },
  CmekBatchResealed: { action: "cmek_rotation.batch_reseal", resource: field("cmek_rotation", "job_id"),
    details: ["vault_id", "batch_id"] },
  VaultNameReserved: { action: "vault.name_reserve", resource: field("vault", "vault_id"), details: ["name"] },
  VaultNameReleased: { action: "vault.name_release", resource: field("vault", "vault_id"), details: ["name"] },
  SecretVersionAdded: { action: "secret.write", resource: field("secret", "secret_id"),
    details: [...secretDetails, "version", "type", "expires_at", "max_access_count", "reason", "cmek_fingerprint"] },
  SecretVersionDisabled: { action: "secret.version_disable", resource: field("secret", "secret_id"),
    details: [...secretDetails, "version"] },
  SecretDeleted: { action: "secret.delete", resource: field("secret", "secret_id"), details: secretDetails },
  SecretRestored: { action: "secret.restore", resource: field("secret", "secret_id"), details: secretDetails },
  SecretCmekResealed: { action: "secret.cmek_reseal", resource: field("secret", "secret_id"), details: [...secretDetails, "job_id"] },
  SecretValueRead: { action: "secret.read", resource: field("secret", "secret_id"),
    details: [...secretDetails, "version", "policy_id"] },
  SecretReadThroughShare: { action: "secret.read_through_share", resource: field("secret", "secret_id"),
    details: [...secretDetails, "version", "share_id", "reader"] },
  PolicyCreated: { action: "policy.create", resource: field("policy", "policy_id"),
    details: ["vault_id", "secret_path_pattern", "principal_type", "principal_id", ...policyTerms] },
  PolicyUpdated: { action: "policy.update", resource: field("policy", "policy_id"), details: ["vault_id", ...policyTerms] },
  PolicyDeleted: { action: "policy.delete", resource: field("policy", "policy_id"), details: ["vault_id"] },
  ShareCreated: { action: "share.create", resource: field("share", "share_id"),
    details: ["secret_id", "vault_id", "path", "version", "recipient_type", "recipient", "recipient_email", "expires_at",
      "max_access_count", "ip_allowlist"] },
  ShareClaimed: { action: "share.claim", resource: field("share", "share_id"), details: ["user_id"] },
  ShareAccepted: { action: "share.accept", resource: field("share", "share_id"), details: ["accepted_by"] },
  ShareDeclined: { action: "share.decline", resource: field("share", "share_id"), details: ["declined_by"] },
  ShareAccessed: { action: "share.access", resource: field("share", "share_id"),
    details: ["secret_id", "version", "accessed_by", "access_count"] },
  ShareAccessRefused: { action: "share.access_denied", resource: field("share", "share_id"), details: ["accessed_by", "reason"] },
  ShareRevoked: { action: "share.revoke", resource: field("share", "share_id"), details: ["revoked_by"] },
  ShareExpired: { action: "share.expire", resource: field("share", "share_id"), details: [] },
  AccessDenied: { action: "access.denied", resource: (e) => ({ type: String(e.data.resource_type), id: String(e.data.resource_id) }),
    details: ["action", "vault_id", "path", "reason"] },
  // Intents API (the signed transaction itself is never a detail)
  TransactionSubmitted: { action: "transaction.submit", resource: field("transaction", "tx_id"),
    details: ["agent_id", "mode", "chain", "chain_id", "to", "value_wei", "nonce", "simulate_first", "signing_key_path"] },
  TransactionSimulated: { action: "transaction.simulate", resource: field("transaction", "tx_id"),
    details: ["agent_id", "simulation_id", "status", "gas_used", "revert_reason"] },
  TransactionRejected: { action: "transaction.reject", resource: field("transaction", "tx_id"), details: ["agent_id", "guardrail", "reason"] },
  TransactionSigned: { action: "transaction.sign", resource: field("transaction", "tx_id"),
    details: ["agent_id", "from", "nonce", "tx_type", "tx_hash", "signing_key_version"] },
  TransactionBroadcast: { action: "transaction.broadcast", resource: field("transaction", "tx_id"), details: ["agent_id", "tx_hash"] },
  TransactionConfirmed: { action: "transaction.confirm", resource: field("transaction", "tx_id"),
    details: ["agent_id", "block_number", "gas_used"] },
  TransactionFailed: { action: "transaction.fail", resource: field("transaction", "tx_id"), details: ["agent_id", "stage", "error"] },
  TransactionAuthorized: { action: "transaction.authorize", resource: field("transaction", "tx_id"),
    details: ["agent_id", "chain", "from", "nonce", "value_wei"] },
  TransactionAuthorizationVoided: { action: "transaction.authorization_void", resource: field("transaction", "tx_id"),
    details: ["agent_id", "reason"] },
  IdempotencyKeyClaimed: { action: "transaction.idempotency_claim", resource: field("transaction", "tx_id"), details: ["agent_id"] },
  // Shroud (the LLM proxy): counts and outcomes of model calls, never their content
  ShroudCallAdmitted: { action: "shroud.call_admit", resource: field("shroud_call", "call_id"),
    details: ["agent_id", "provider", "model", "day"] },
  ShroudCallRecorded: { action: "shroud.call", resource: field("shroud_call", "call_id"),
    details: ["agent_id", "provider", "model", "route", "action", "status", "streamed", "request_tokens", "response_tokens",
      "cost_micro_usd", "latency_ms", "secrets_redacted", "pii_detected", "injection_score", "findings", "policy_violations"] },
  RouterKeySpent: { action: "shroud.router_key_spend", resource: field("router_key", "key_id"),
    details: ["agent_id", "call_id", "cost_micro_usd"] },
  // Billing: tiers, money, usage and tier limits
  BillingTierSet: { action: "billing.tier_set", resource: field("org", "org_id"), details: ["tier", "period_end", "set_by"] },
  OverageMethodSet: { action: "billing.overage_method_set", resource: field("org", "org_id"), details: ["method", "set_by"] },
  CreditsGranted: { action: "billing.credits_grant", resource: field("credit_grant", "grant_id"),
    details: ["amount_micro_usd", "expires_at", "description", "granted_by", "balance_after_micro_usd"] },
  CreditsDebited: { action: "billing.credits_debit", resource: field("org", "org_id"),
    details: ["debit_id", "amount_micro_usd", "requests", "from_grants", "balance_after_micro_usd"] },
  CreditsExpired: { action: "billing.credits_expire", resource: field("credit_grant", "grant_id"),
    details: ["amount_micro_usd", "expired_at", "balance_after_micro_usd"] },
  RequestsCounted: { action: "billing.usage_count", resource: field("org", "org_id"), details: ["month"] },
  X402PaymentSettled: { action: "billing.x402_payment", resource: field("org", "org_id"),
    details: ["payer", "amount_atomic", "network", "asset", "pay_to", "nonce", "resource", "transaction"] },
  ResourceSlotTaken: { action: "billing.resource_slot_take", resource: field("resource", "resource_id"), details: ["kind", "tier", "limit"] },
  ResourceSlotReleased: { action: "billing.resource_slot_release", resource: field("resource", "resource_id"), details: ["kind"] },
  // The audit chain itself
  AuditHeadSigned: { action: "audit.head_sign", resource: field("audit_event", "event_id"),
    details: ["chain_index", "head_hash", "key_id"] },
};

export interface AuditEntry {
  action: string;
  resourceType: string;
  resourceId: string;
  details: Record<string, unknown>;
}

/**
 * The audit entry of any event. A type nobody mapped yet still gets an entry (every event is audited):
 * action `event.<Type>`, its stream's category and id as the resource, and no details.
 */
export function auditEntryOf(event: RecordedEvent): AuditEntry {
  const mapping = AUDIT_MAPPINGS[event.type];
  if (!mapping) {
    return { action: `event.${event.type}`, resourceType: streamCategory(event.stream), resourceId: idOfStream(event.stream), details: {} };
  }
  const resource = mapping.resource(event);
  const details: Record<string, unknown> = {};
  for (const name of mapping.details) {
    if (event.data[name] !== undefined) details[name] = event.data[name];
  }
  // A rotation is a write too, but the log should say which.
  const action = event.type === "SecretVersionAdded" && event.data.reason === "rotate" ? "secret.rotate" : mapping.action;
  return { action, resourceType: resource.type, resourceId: resource.id, details };
}
