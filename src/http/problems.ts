/**
 * RFC 7807 problem details, and the one table that maps domain errors to HTTP. A new domain error gets a
 * row here, never a branch in a route.
 */
import { STATUS_CODES } from "node:http";
import { ProblemSchema, type Problem } from "../api/problem.js";
import { EventStoreUnavailable, WrongExpectedRevision } from "../eventstore/port.js";
import { KeyAlreadyExists, KeyNotFound, KeyUnwrapFailed } from "../keys/port.js";
import { IpRuleAlreadyExists, IpRuleLimitReached, IpRuleNotFound, IpRuleWouldLockOutCaller } from "../../commands/ip-rules.js";
import { InvalidCidr } from "../../commands/rules/cidr.js";
import { ApiKeyExpiryInPast, ApiKeyNotFound } from "../../commands/api-key.js";
import { NoTokenToRevoke } from "../auth/revocation.js";
import { DeviceLoginNotPending, DeviceTokenError, UserCodeNotFound } from "../../commands/device-login.js";
import { AgentAlreadyExists, AgentNotFound, InvalidAgentSettings } from "../../commands/agent.js";
import { AgentCredentialsRejected, AgentInactive } from "../agents/service.js";
import { EmailTaken } from "../../commands/email.js";
import { LastOwner, MemberNotFound, RoleChangeForbidden } from "../../commands/org.js";
import { MfaChallengeInvalid } from "../../commands/login.js";
import { VerificationTokenInvalid } from "../../commands/signup.js";
import {
  InvalidMfaCode, MfaAlreadyEnabled, MfaNotEnabled, MfaSetupNotStarted, PasswordNotSet, UserNotFound, WrongPassword,
} from "../../commands/user.js";
import { InvalidCredentials, MfaCodeRejected } from "../humans/login.js";
import { GoogleTokenRejected } from "../humans/google.js";
import { SealedValueUnreadable } from "../keys/envelope.js";
import { SystemVaultProtected, VaultAlreadyExists, VaultNotFound } from "../../commands/vault.js";
import { VaultNameTaken } from "../../commands/vault-name.js";
import { InvalidVaultName, VaultDeleteForbidden } from "../vaults/service.js";
import { SecretGone, SecretNotFound, SecretVersionNotFound, SecretVersionRaced } from "../../commands/secret.js";
import { InvalidSecretPath } from "../../commands/rules/secret-path.js";
import { InvalidEnvBundle } from "../secrets/env-bundle.js";
import { ReadNotAudited, RestoreForbidden, SecretTypeForbidden } from "../secrets/service.js";
import { InvalidPolicy, PolicyAlreadyExists, PolicyNotFound } from "../../commands/policy.js";
import { InvalidPathPattern } from "../../commands/rules/glob.js";
import { InvalidPolicyConditions } from "../../commands/rules/policy-conditions.js";
import { AccessDenied, PolicyNotManageable, UnknownPolicyPrincipal } from "../access/errors.js";
import {
  ShareAddressRejected, ShareAuthenticationRequired, ShareGone, ShareNotAccepted, ShareNotForYou, ShareNotFound,
  SharePassphraseRejected, ShareRevokeForbidden, ShareStateConflict,
} from "../../commands/share.js";
import { EmailShareForbidden, InvalidShareRequest, ShareRecipientNotFound } from "../shares/service.js";

export { ProblemSchema, type Problem };

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** An error that already knows its HTTP answer; thrown by the HTTP layer itself (400, 401, 413, 415, ...). */
export class HttpProblem extends Error {
  readonly status: number;
  readonly detail: string;
  readonly headers: Record<string, string>;
  constructor(status: number, detail: string, headers: Record<string, string> = {}) {
    super(detail);
    this.name = "HttpProblem";
    this.status = status;
    this.detail = detail;
    this.headers = headers;
  }
}

interface ProblemRow {
  status: number;
  /** What the client is told. Defaults to the error's message, so rows whose messages hold internals set it. */
  detail?: string;
  /** The OAuth error code (RFC 6749 §5.2) OAuth clients read from `error`, for errors that have one. */
  oauthError?: (error: Error) => string;
}

type ErrorClass = abstract new (...args: never[]) => Error;

const DOMAIN_PROBLEMS: ReadonlyArray<readonly [ErrorClass, ProblemRow]> = [
  [WrongExpectedRevision, { status: 409, detail: "the resource was changed by a concurrent request; retry" }],
  [EventStoreUnavailable, { status: 503, detail: "the event store is not answering; retry later" }],
  [KeyNotFound, { status: 404, detail: "the key does not exist" }],
  [KeyAlreadyExists, { status: 409, detail: "the key already exists" }],
  [KeyUnwrapFailed, { status: 500, detail: "an unexpected error occurred" }],
  [InvalidCidr, { status: 400 }],
  [IpRuleNotFound, { status: 404, detail: "IP rule not found" }],
  [IpRuleAlreadyExists, { status: 409 }],
  [IpRuleLimitReached, { status: 409 }],
  [IpRuleWouldLockOutCaller, { status: 409 }],
  [ApiKeyNotFound, { status: 404 }],
  [ApiKeyExpiryInPast, { status: 400 }],
  [NoTokenToRevoke, { status: 400 }],
  [DeviceTokenError, { status: 400, oauthError: (error) => (error as DeviceTokenError).code }],
  [UserCodeNotFound, { status: 404 }],
  [DeviceLoginNotPending, { status: 409 }],
  [AgentNotFound, { status: 404 }],
  [AgentAlreadyExists, { status: 409 }],
  [InvalidAgentSettings, { status: 400 }],
  [AgentCredentialsRejected, { status: 401 }],
  [AgentInactive, { status: 409 }],
  [InvalidCredentials, { status: 401 }],
  [MfaChallengeInvalid, { status: 401 }],
  [MfaCodeRejected, { status: 401 }],
  [GoogleTokenRejected, { status: 401 }],
  [InvalidMfaCode, { status: 400 }],
  [VerificationTokenInvalid, { status: 400 }],
  [EmailTaken, { status: 409 }],
  [WrongPassword, { status: 400 }],
  [PasswordNotSet, { status: 400 }],
  [MfaAlreadyEnabled, { status: 409 }],
  [MfaNotEnabled, { status: 400 }],
  [MfaSetupNotStarted, { status: 400 }],
  [UserNotFound, { status: 404 }],
  [MemberNotFound, { status: 404 }],
  [RoleChangeForbidden, { status: 403 }],
  [LastOwner, { status: 409 }],
  [SealedValueUnreadable, { status: 500, detail: "an unexpected error occurred" }],
  [VaultNotFound, { status: 404, detail: "vault not found" }],
  [VaultAlreadyExists, { status: 409 }],
  [VaultNameTaken, { status: 409 }],
  [InvalidVaultName, { status: 400 }],
  [VaultDeleteForbidden, { status: 403 }],
  [SystemVaultProtected, { status: 403 }],
  [InvalidSecretPath, { status: 400 }],
  [InvalidEnvBundle, { status: 400 }],
  [SecretNotFound, { status: 404 }],
  [SecretVersionNotFound, { status: 404 }],
  [SecretGone, { status: 410 }],
  [SecretVersionRaced, { status: 409 }],
  [SecretTypeForbidden, { status: 403 }],
  [RestoreForbidden, { status: 403 }],
  [ReadNotAudited, { status: 503, detail: "the read could not be recorded in the audit log; no value was returned; retry later" }],
  [InvalidPolicy, { status: 400 }],
  [InvalidPathPattern, { status: 400 }],
  [InvalidPolicyConditions, { status: 400 }],
  [UnknownPolicyPrincipal, { status: 400 }],
  [PolicyNotFound, { status: 404, detail: "policy not found" }],
  [PolicyAlreadyExists, { status: 409 }],
  [AccessDenied, { status: 403 }],
  [PolicyNotManageable, { status: 403 }],
  [ShareNotFound, { status: 404 }],
  [ShareGone, { status: 410 }],
  [ShareAuthenticationRequired, { status: 401 }],
  [ShareNotForYou, { status: 403 }],
  [ShareNotAccepted, { status: 403 }],
  [SharePassphraseRejected, { status: 403 }],
  [ShareAddressRejected, { status: 403 }],
  [ShareStateConflict, { status: 409 }],
  [ShareRevokeForbidden, { status: 403 }],
  [EmailShareForbidden, { status: 403 }],
  [ShareRecipientNotFound, { status: 404 }],
  [InvalidShareRequest, { status: 400 }],
];

export function problem(status: number, detail: string): Problem {
  return { type: "about:blank", title: STATUS_CODES[status] ?? "Error", status, detail };
}

export interface ProblemAnswer {
  problem: Problem;
  headers: Record<string, string>;
  /** A server-side failure the operator should see in the logs. */
  serverFault: boolean;
}

/** The HTTP answer for anything a handler threw. Unknown errors become a generic 500. */
export function problemFor(error: unknown): ProblemAnswer {
  if (error instanceof HttpProblem) {
    return { problem: problem(error.status, error.detail), headers: error.headers, serverFault: error.status >= 500 };
  }
  const row = DOMAIN_PROBLEMS.find(([type]) => error instanceof type)?.[1];
  if (row && error instanceof Error) {
    const answer = problem(row.status, row.detail ?? error.message);
    if (row.oauthError) answer.error = row.oauthError(error);
    return { problem: answer, headers: {}, serverFault: row.status >= 500 };
  }
  return { problem: problem(500, "an unexpected error occurred"), headers: {}, serverFault: true };
}
