import { segment, type HttpClient } from "../http.js";
import type { ApiKeyCreatedResponse, ApiKeyListResponse, CreateApiKeyRequest, OneclawResponse } from "../types.js";

/** Personal API keys (`1ck_…`) of the signed-in human. */
export class ApiKeysResource {
  constructor(private readonly http: HttpClient) {}

  /** The answer's `api_key` is the only time the full key is shown. */
  create(body: CreateApiKeyRequest): Promise<OneclawResponse<ApiKeyCreatedResponse>> {
    return this.http.request("POST", "/v1/auth/api-keys", { body });
  }

  list(): Promise<OneclawResponse<ApiKeyListResponse>> {
    return this.http.request("GET", "/v1/auth/api-keys");
  }

  revoke(keyId: string): Promise<OneclawResponse<null>> {
    return this.http.request("DELETE", `/v1/auth/api-keys/${segment(keyId)}`);
  }
}
