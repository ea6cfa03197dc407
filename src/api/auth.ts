/** Wire schemas of `/v1/auth`: human sign-up and login, profile, MFA, personal API keys, token exchange. */
import { z } from "zod";

export const MIN_PASSWORD_LENGTH = 8;

export const Email = z.string().trim().max(320).pipe(z.email());
const NewPassword = z.string().min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`).max(1024);

export const TokenResponse = z.object({
  access_token: z.string(), token_type: z.literal("Bearer"), expires_in: z.number().int(),
  /** Humans' sign-ins: spend it at POST /v1/auth/refresh for a new access token (and a new refresh token). */
  refresh_token: z.string().optional(),
}).meta({ id: "TokenResponse" });

export const RefreshRequest = z.object({ refresh_token: z.string().max(300) }).meta({ id: "RefreshRequest" });
/** Logout: the refresh token, when given, ends its session as well. */
export const RevokeTokenRequest = z.object({ refresh_token: z.string().max(300).optional() }).optional();

export const LoginResponse = z.object({
  access_token: z.string().optional(),
  token_type: z.literal("Bearer").optional(),
  expires_in: z.number().int().optional(),
  refresh_token: z.string().optional(),
  mfa_required: z.boolean().optional(),
  mfa_token: z.string().optional(),
}).meta({ id: "LoginResponse" });

export const UserProfileResponse = z.object({
  id: z.uuid(),
  org_id: z.uuid(),
  email: z.string(),
  display_name: z.string(),
  auth_method: z.string(),
  role: z.enum(["owner", "admin", "member"]),
  email_verified: z.boolean(),
  marketing_emails: z.boolean(),
  totp_enabled: z.boolean(),
  created_at: z.string(),
}).meta({ id: "UserProfileResponse" });

export const SignupRequest = z.object({ email: Email, password: NewPassword, display_name: z.string().max(200).optional() });
export const SignupResponse = z.object({ message: z.string(), email: z.string() });
export const VerifyEmailRequest = z.object({ token: z.string().max(200) });
/** `POST /v1/auth/accept-invite`: the mailed invitation token and the new account's password (the address is the invited one). */
export const AcceptInviteRequest = z.object({ token: z.string().max(200), password: NewPassword,
  display_name: z.string().max(200).optional() }).meta({ id: "AcceptInviteRequest" });
export const LoginRequest = z.object({ email: z.string().max(320), password: z.string().max(1024) });
export const GoogleLoginRequest = z.object({
  id_token: z.string().max(8192),
  /**
   * The nonce the client put in its authentication request (an extension: 1claw's clients send none). When
   * given, the ID token must carry it, so a token captured from another sign-in cannot be replayed here.
   */
  nonce: z.string().min(1).max(512).optional(),
});
export const MfaVerifyRequest = z.object({ mfa_token: z.string().max(300), code: z.string().max(64) });
export const UpdateProfileRequest = z.object({
  display_name: z.string().trim().min(1).max(200).optional(), marketing_emails: z.boolean().optional(),
});
export const DeleteAccountRequest = z.object({ confirmation: z.string().max(320) });
export const ChangePasswordRequest = z.object({ current_password: z.string().max(1024), new_password: NewPassword });
export const MessageResponse = z.object({ message: z.string() }).meta({ id: "MessageResponse" });
export const ForgotPasswordRequest = z.object({ email: z.string().max(320) }).meta({ id: "ForgotPasswordRequest" });
/** `new_password` as change-password names it; `password` accepted too (clients differ), not two different ones. */
const NewPasswordFields = z.object({ new_password: NewPassword.optional(), password: NewPassword.optional() });
const oneNewPassword = (body: z.output<typeof NewPasswordFields>, ctx: z.RefinementCtx) => {
  if (body.new_password === undefined && body.password === undefined) {
    ctx.addIssue({ code: "custom", message: "new_password is required", path: ["new_password"] });
  } else if (body.new_password !== undefined && body.password !== undefined && body.new_password !== body.password) {
    ctx.addIssue({ code: "custom", message: "new_password and password differ", path: ["password"] });
  }
};
export const ResetPasswordRequest = NewPasswordFields.extend({ token: z.string().max(300) }).superRefine(oneNewPassword)
  .transform(({ token, new_password: newPassword, password }) => ({ token, newPassword: (newPassword ?? password)! }))
  .meta({ id: "ResetPasswordRequest" });
export const SetPasswordRequest = NewPasswordFields.superRefine(oneNewPassword)
  .transform(({ new_password: newPassword, password }) => ({ newPassword: (newPassword ?? password)! }))
  .meta({ id: "SetPasswordRequest" });

/** `new_email` (the spec's name) or `email`; the current password in `password` or the X-Auth-Confirm header. */
export const ChangeEmailRequest = z.object({
  new_email: Email.optional(), email: Email.optional(), password: z.string().max(1024).optional(),
}).refine((body) => body.new_email !== undefined || body.email !== undefined, { message: "new_email is required", path: ["new_email"] })
  .transform(({ new_email: newEmail, email, password }) => ({ newEmail: (newEmail ?? email)!, password }))
  .meta({ id: "ChangeEmailRequest" });
export const VerifyEmailChangeRequest = z.object({ code: z.string().trim().regex(/^\d{6}$/, "must be the 6-digit code") })
  .meta({ id: "VerifyEmailChangeRequest" });
export const EmailChangeResponse = z.object({ message: z.string(), email: z.string() }).meta({ id: "EmailChangeResponse" });

/** `POST /v1/auth/export-data` (GDPR): the caller's own data; metadata only, never a secret value. */
export const AccountExportResponse = z.object({
  export_version: z.string(),
  exported_at: z.string(),
  user: z.object({ id: z.uuid(), email: z.string(), display_name: z.string(), auth_method: z.string(), created_at: z.string() }),
  vaults: z.array(z.object({ id: z.uuid(), name: z.string(), created_at: z.string() })),
  agents: z.array(z.object({ id: z.uuid(), name: z.string(), created_at: z.string() })),
  secrets_metadata: z.array(z.object({ vault_id: z.uuid(), path: z.string(), type: z.string(), version: z.number().int(),
    created_at: z.string() })),
  policies: z.array(z.object({ id: z.uuid(), vault_id: z.uuid(), principal_type: z.string(), principal_id: z.string(),
    secret_path_pattern: z.string(), permissions: z.array(z.string()), created_at: z.string() })),
}).meta({ id: "AccountExportResponse" });

export const MfaSetupResponse = z.object({ otpauth_uri: z.string(), secret: z.string() });
export const MfaCodeRequest = z.object({ code: z.string().max(64) });
export const MfaRecoveryCodesResponse = z.object({ recovery_codes: z.array(z.string()) });
export const MfaStatusResponse = z.object({ enabled: z.boolean() });

export const ApiKeyResponse = z.object({
  id: z.uuid(),
  name: z.string(),
  key_prefix: z.string(),
  scopes: z.array(z.string()),
  is_active: z.boolean(),
  created_at: z.string(),
  expires_at: z.string().optional(),
}).meta({ id: "ApiKeyResponse" });

export const CreateApiKeyRequest = z.object({
  name: z.string().trim().min(1).max(200),
  scopes: z.array(z.string().min(1).max(200)).max(100).default([]),
  expires_at: z.iso.datetime({ offset: true }).optional(),
}).meta({ id: "CreateApiKeyRequest" });

export const ApiKeyCreatedResponse = z.object({ key: ApiKeyResponse, api_key: z.string() });
export const ApiKeyListResponse = z.object({ keys: z.array(ApiKeyResponse) });
export const ApiKeyIdParams = z.object({ key_id: z.uuid() });
export const UserApiKeyTokenRequest = z.object({ api_key: z.string().max(512) }).meta({ id: "UserApiKeyTokenRequest" });

export const JwksResponse = z.object({ keys: z.array(z.record(z.string(), z.unknown())) });
export const JwtPublicKeyResponse = z.object({ alg: z.literal("EdDSA"), public_key_base64: z.string() });
