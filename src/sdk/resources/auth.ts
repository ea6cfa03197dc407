import type { HttpClient } from "../http.js";
import type {
  AgentTokenRequest, AgentTokenResponse, ChangePasswordRequest, LoginRequest, LoginResponse, MfaVerifyRequest,
  OneclawResponse, TokenResponse, UpdateProfileRequest, UserApiKeyTokenRequest, UserProfileResponse,
} from "../types.js";

/**
 * Signing in and out, and the signed-in human's profile. A successful login or exchange makes the client
 * use the new token for every later call.
 */
export class AuthResource {
  constructor(private readonly http: HttpClient) {}

  /** Email and password. With MFA on, the answer holds `mfa_required` and an `mfa_token` for verifyMfa. */
  async login(body: LoginRequest): Promise<OneclawResponse<LoginResponse>> {
    const answer = await this.http.request<LoginResponse>("POST", "/v1/auth/token", { body, auth: false });
    if (answer.data?.access_token) this.http.useToken(answer.data.access_token);
    return answer;
  }

  async verifyMfa(body: MfaVerifyRequest): Promise<OneclawResponse<TokenResponse>> {
    const answer = await this.http.request<TokenResponse>("POST", "/v1/auth/mfa/verify", { body, auth: false });
    if (answer.data) this.http.useToken(answer.data.access_token);
    return answer;
  }

  /** Agent key -> JWT; the client then refreshes it from the same key before it expires. */
  async agentToken(body: AgentTokenRequest): Promise<OneclawResponse<AgentTokenResponse>> {
    const answer = await this.http.request<AgentTokenResponse>("POST", "/v1/auth/agent-token", { body, auth: false });
    if (answer.data) {
      this.http.useKey("agent", body.api_key, { token: answer.data.access_token, expiresIn: answer.data.expires_in },
        body.agent_id ?? answer.data.agent_id);
      this.http.agentId = answer.data.agent_id;
      this.http.vaultIds = answer.data.vault_ids;
    }
    return answer;
  }

  /** Personal key (`1ck_…`) -> JWT; refreshed from the same key before it expires. */
  async apiKeyToken(body: UserApiKeyTokenRequest): Promise<OneclawResponse<TokenResponse>> {
    const answer = await this.http.request<TokenResponse>("POST", "/v1/auth/api-key-token", { body, auth: false });
    if (answer.data) this.http.useKey("user", body.api_key, { token: answer.data.access_token, expiresIn: answer.data.expires_in });
    return answer;
  }

  /** A login's `refresh_token` -> a new access token (used from now on) and a new refresh token; the old one is spent. */
  async refresh(refreshToken: string): Promise<OneclawResponse<TokenResponse>> {
    const answer = await this.http.request<TokenResponse>("POST", "/v1/auth/refresh", { body: { refresh_token: refreshToken }, auth: false });
    if (answer.data) this.http.useToken(answer.data.access_token);
    return answer;
  }

  /** Revokes the current token on the server (later uses of it answer 401) and forgets it here; with the login's
   * refresh token, ends its session too. */
  async logout(refreshToken?: string): Promise<OneclawResponse<null>> {
    const answer = await this.http.request<null>("DELETE", "/v1/auth/token",
      refreshToken ? { body: { refresh_token: refreshToken } } : {});
    if (!answer.error) this.http.forgetToken();
    return answer;
  }

  getMe(): Promise<OneclawResponse<UserProfileResponse>> {
    return this.http.request("GET", "/v1/auth/me");
  }

  updateMe(body: UpdateProfileRequest): Promise<OneclawResponse<UserProfileResponse>> {
    return this.http.request("PATCH", "/v1/auth/me", { body });
  }

  changePassword(body: ChangePasswordRequest): Promise<OneclawResponse<null>> {
    return this.http.request("POST", "/v1/auth/change-password", { body });
  }
}
