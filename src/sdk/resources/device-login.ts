import { segment, type HttpClient } from "../http.js";
import type {
  DeviceCodeRequest, DeviceCodeResponse, DeviceLoginStatusResponse, DeviceTokenResponse, OneclawResponse,
} from "../types.js";

const DEVICE_CODE_GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code";

/**
 * The device login (RFC 8628): a device without a browser asks for a code pair and polls; a signed-in human
 * looks the user code up and approves or denies it. A poll that is not yet answered comes back as an error
 * whose `code` is the OAuth error (`authorization_pending`, `slow_down`, `expired_token`, `access_denied`,
 * `invalid_grant`).
 */
export class DeviceLoginResource {
  constructor(private readonly http: HttpClient) {}

  requestCode(body: DeviceCodeRequest = {}): Promise<OneclawResponse<DeviceCodeResponse>> {
    return this.http.request("POST", "/v1/auth/device/code", { body, auth: false });
  }

  /** One poll; the token, once approved, becomes the client's token. */
  async pollToken(deviceCode: string): Promise<OneclawResponse<DeviceTokenResponse>> {
    const answer = await this.http.request<DeviceTokenResponse>("POST", "/v1/auth/device/token",
      { body: { device_code: deviceCode, grant_type: DEVICE_CODE_GRANT_TYPE }, auth: false });
    if (answer.data) this.http.useToken(answer.data.access_token);
    return answer;
  }

  lookup(userCode: string): Promise<OneclawResponse<DeviceLoginStatusResponse>> {
    return this.http.request("GET", `/v1/auth/device/code/${segment(userCode)}`);
  }

  approve(userCode: string): Promise<OneclawResponse<DeviceLoginStatusResponse>> {
    return this.http.request("POST", "/v1/auth/device/approve", { body: { user_code: userCode } });
  }

  deny(userCode: string): Promise<OneclawResponse<DeviceLoginStatusResponse>> {
    return this.http.request("POST", "/v1/auth/device/deny", { body: { user_code: userCode } });
  }
}
